import { RollingWindow, WINDOW_MS } from "../limits/rolling-window";

/** Expired rows tolerated in SQLite before one DELETE removes them. */
const CLEANUP_BATCH = 64;

/**
 * The account's per-minute window, exact and durable: kept in memory for speed and written
 * through to SQLite (`rate_events`), so a restarted object forgets nothing.
 */
export class RateWindow {
  private readonly window = new RollingWindow();
  private expiredSinceCleanup = 0;

  constructor(
    private readonly sql: SqlStorage,
    now: number,
  ) {
    sql.exec("DELETE FROM rate_events WHERE at <= ?", now - WINDOW_MS);
    for (const row of sql
      .exec<{ at: number; units: number }>("SELECT at, units FROM rate_events ORDER BY at")
      .toArray()) {
      this.window.add(row.at, row.units);
    }
  }

  used(now: number): number {
    return this.window.used(now);
  }

  resetSeconds(now: number): number {
    return this.window.resetSeconds(now);
  }

  msUntilFree(now: number, limit: number, units = 1): number {
    return this.window.msUntilFree(now, limit, units);
  }

  record(at: number, units: number, now: number): void {
    this.window.add(at, units);
    this.sql.exec("INSERT INTO rate_events (at, units) VALUES (?, ?)", at, units);
    // Expired rows are harmless (loading filters them), so they are deleted in batches.
    this.expiredSinceCleanup += this.window.takeEvicted(now);
    if (this.expiredSinceCleanup >= CLEANUP_BATCH) {
      this.sql.exec("DELETE FROM rate_events WHERE at <= ?", now - WINDOW_MS);
      this.expiredSinceCleanup = 0;
    }
  }
}
