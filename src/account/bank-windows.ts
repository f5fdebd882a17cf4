import { MemoryWindows } from "../leases/memory-windows";
import { WINDOW_MS } from "../limits/rolling-window";

/** Expired rows tolerated in SQLite before one DELETE removes them. */
const CLEANUP_BATCH = 64;

/**
 * The account's per-minute windows (its own and each key's), exact and durable: kept in memory
 * for speed and written through to SQLite (`rate_events`, one row per admission or reported
 * use, with its key), so a restarted object forgets nothing.
 */
export class PersistedWindows extends MemoryWindows {
  private recordedSinceCleanup = 0;

  constructor(
    private readonly sql: SqlStorage,
    now: number,
  ) {
    super();
    sql.exec("DELETE FROM rate_events WHERE at <= ?", now - WINDOW_MS);
    const rows = sql
      .exec<{ at: number; units: number; key_id: string | null }>(
        "SELECT at, units, key_id FROM rate_events ORDER BY at",
      )
      .toArray();
    for (const row of rows) super.record(row.key_id ?? "", row.at, row.units);
  }

  override record(keyId: string, at: number, units: number): void {
    super.record(keyId, at, units);
    this.sql.exec("INSERT INTO rate_events (at, units, key_id) VALUES (?, ?, ?)", at, units, keyId);
    // Expired rows are harmless (loading filters them), so they are deleted in batches.
    if (++this.recordedSinceCleanup >= CLEANUP_BATCH) {
      this.sql.exec("DELETE FROM rate_events WHERE at <= ?", at - 2 * WINDOW_MS);
      this.recordedSinceCleanup = 0;
    }
  }

  override unrecord(keyId: string, at: number, units: number): void {
    super.unrecord(keyId, at, units);
    // The row a lease's end wrote, exactly.
    this.sql.exec(
      `DELETE FROM rate_events WHERE rowid =
         (SELECT rowid FROM rate_events WHERE at = ? AND units = ? AND key_id = ? LIMIT 1)`,
      at,
      units,
      keyId,
    );
  }
}
