/**
 * Versioned SQLite schemas for Durable Objects: each migration runs once, in order, inside the
 * object's constructor (under blockConcurrencyWhile), and the version is kept in the same
 * database, so a deploy upgrades each object the first time it wakes.
 */
export function runMigrations(sql: SqlStorage, migrations: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  let version = row?.version ?? 0;
  if (row === undefined) sql.exec("INSERT INTO schema_version (version) VALUES (0)");
  for (; version < migrations.length; version++) {
    sql.exec(migrations[version] as string);
    sql.exec("UPDATE schema_version SET version = ?", version + 1);
  }
}
