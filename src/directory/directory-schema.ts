import { AUDIT_TABLE } from "../audit/audit-store";
import { runMigrations } from "../storage/migrations";

/** The directory object's SQLite schema, versioned like the account object's (schema.ts). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE credentials (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     scopes TEXT NOT NULL,
     digest TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE accounts (id TEXT PRIMARY KEY, record TEXT NOT NULL);
   ${AUDIT_TABLE}`,
  // The account's revision (its object's count of changes): an older write never replaces a newer.
  "ALTER TABLE accounts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;",
];

export function migrateDirectory(sql: SqlStorage): void {
  runMigrations(sql, MIGRATIONS);
}
