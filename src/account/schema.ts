import { AUDIT_TABLE } from "../audit/audit-store";
import { runMigrations } from "../storage/migrations";

/**
 * The account Durable Object's SQLite schema, versioned. Each migration runs once, in order, in
 * the constructor (inside blockConcurrencyWhile). The layout is described in storage-schema.md.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE account (
     id TEXT PRIMARY KEY,
     tier TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     digest TEXT NOT NULL UNIQUE,
     scopes TEXT NOT NULL,
     name TEXT,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     revoked_at INTEGER
   );
   CREATE TABLE rate_events (at INTEGER NOT NULL);
   CREATE INDEX rate_events_at ON rate_events (at);
   CREATE TABLE slots (
     id TEXT PRIMARY KEY,
     submission_id TEXT UNIQUE,
     request_id TEXT NOT NULL,
     taken_at INTEGER NOT NULL,
     deadline INTEGER NOT NULL
   );
   CREATE TABLE daily_usage (day TEXT PRIMARY KEY, used INTEGER NOT NULL);
   CREATE TABLE idempotency (
     key TEXT PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     claim_id TEXT NOT NULL,
     state TEXT NOT NULL,
     lock_expires_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     status INTEGER,
     headers TEXT,
     body BLOB
   );`,
  // A submission reported finished before the completion of the create that made it arrived:
  // that completion frees its slot instead of holding it. Kept until the pending slots it
  // could match have passed their deadline.
  `CREATE TABLE early_releases (
     submission_id TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );`,
  // When a key was rotated: a rotated key is not rotated again (its replacement is).
  "ALTER TABLE api_keys ADD COLUMN rotated_at INTEGER;",
  // Stored answers larger than one SQLite value (about 2 MB) are kept in 1 MiB pieces; their
  // idempotency row then has a NULL body.
  `CREATE TABLE idempotency_chunks (
     key TEXT NOT NULL,
     seq INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (key, seq)
   );`,
  // Admissions counted in units (a request may cost more than one; lease uses are batched).
  "ALTER TABLE rate_events ADD COLUMN units INTEGER NOT NULL DEFAULT 1;",
  // Each admission's key (a key's own limit counts its rows), and the bank's leases.
  `ALTER TABLE rate_events ADD COLUMN key_id TEXT;
   CREATE TABLE leases (
     id TEXT PRIMARY KEY,
     key_id TEXT NOT NULL,
     units INTEGER NOT NULL,
     granted_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     expired INTEGER NOT NULL DEFAULT 0
   );`,
  // Limits of an account (beside its tier's) and of a key (beside its account's), as JSON.
  `ALTER TABLE account ADD COLUMN limits TEXT;
   ALTER TABLE api_keys ADD COLUMN limits TEXT;`,
  // Usage per key in minute and hour buckets, rejections by code, the recent rejections.
  `CREATE TABLE usage (
     granularity TEXT NOT NULL,
     start INTEGER NOT NULL,
     key_id TEXT NOT NULL,
     admitted INTEGER NOT NULL DEFAULT 0,
     units INTEGER NOT NULL DEFAULT 0,
     origin_2xx INTEGER NOT NULL DEFAULT 0,
     origin_3xx INTEGER NOT NULL DEFAULT 0,
     origin_4xx INTEGER NOT NULL DEFAULT 0,
     origin_5xx INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (granularity, start, key_id)
   );
   CREATE TABLE usage_rejections (
     granularity TEXT NOT NULL,
     start INTEGER NOT NULL,
     key_id TEXT NOT NULL,
     code TEXT NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (granularity, start, key_id, code)
   );
   CREATE TABLE recent_rejections (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     request_id TEXT NOT NULL,
     code TEXT NOT NULL,
     status INTEGER NOT NULL,
     key_id TEXT NOT NULL,
     method TEXT NOT NULL,
     path TEXT NOT NULL
   );`,
  // The audit log of this account's own mutations (contract section 11).
  AUDIT_TABLE,
  // Whether each entry reached the admin directory's copy (account/audit-outbox.ts).
  `ALTER TABLE audit ADD COLUMN copied INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX audit_uncopied ON audit (copied, seq);`,
];

export function migrate(sql: SqlStorage): void {
  runMigrations(sql, MIGRATIONS);
}
