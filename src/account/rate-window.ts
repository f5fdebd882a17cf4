/**
 * An exact rolling 60 s window: the admission times of the last minute, oldest first. A request
 * at `now` counts every admission with `at > now - WINDOW_MS`. Kept in memory for speed and
 * written through to SQLite so a restarted object forgets nothing.
 */
export const WINDOW_MS = 60_000;

/** Expired rows tolerated in SQLite before one DELETE removes them. */
const CLEANUP_BATCH = 64;

export class RateWindow {
  private readonly admitted: number[];
  private expiredSinceCleanup = 0;

  constructor(
    private readonly sql: SqlStorage,
    now: number,
  ) {
    sql.exec("DELETE FROM rate_events WHERE at <= ?", now - WINDOW_MS);
    this.admitted = sql
      .exec<{ at: number }>("SELECT at FROM rate_events ORDER BY at")
      .toArray()
      .map((row) => row.at);
  }

  private evict(now: number): void {
    let expired = 0;
    while (
      expired < this.admitted.length &&
      (this.admitted[expired] as number) <= now - WINDOW_MS
    ) {
      expired++;
    }
    if (expired > 0) {
      this.admitted.splice(0, expired);
      this.expiredSinceCleanup += expired;
    }
  }

  /** Admissions counted in the window at `now`. */
  used(now: number): number {
    this.evict(now);
    return this.admitted.length;
  }

  /**
   * Seconds until the oldest counted admission leaves the window (0 when none is counted):
   * after waiting that long, one more request fits.
   */
  resetSeconds(now: number): number {
    this.evict(now);
    const oldest = this.admitted[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
  }

  /** Milliseconds until one more admission fits under `limit` (0 when it already does). */
  msUntilFree(now: number, limit: number): number {
    this.evict(now);
    const mustLeave = this.admitted.length - limit;
    const boundary = this.admitted[Math.max(0, mustLeave)];
    return boundary === undefined ? 0 : Math.max(0, boundary + WINDOW_MS - now);
  }

  record(now: number): void {
    // Clock steps backwards (a test or a migrated object) must not break the ordering.
    const last = this.admitted[this.admitted.length - 1];
    const at = last !== undefined && last > now ? last : now;
    this.admitted.push(at);
    this.sql.exec("INSERT INTO rate_events (at) VALUES (?)", at);
    // Expired rows are harmless (loading filters them), so they are deleted in batches.
    if (this.expiredSinceCleanup >= CLEANUP_BATCH) {
      this.sql.exec("DELETE FROM rate_events WHERE at <= ?", now - WINDOW_MS);
      this.expiredSinceCleanup = 0;
    }
  }
}
