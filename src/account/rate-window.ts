/**
 * An exact rolling 60 s window: the admission times of the last minute, oldest first. A request
 * at `now` counts every admission with `at > now - WINDOW_MS`. Kept in memory for speed and
 * written through to SQLite so a restarted object forgets nothing.
 */
export const WINDOW_MS = 60_000;

/** Expired rows tolerated in SQLite before one DELETE removes them. */
const CLEANUP_BATCH = 64;

/** Expired entries kept at the front of the in-memory list before it is compacted. */
const COMPACT_AFTER = 1024;

export class RateWindow {
  private readonly admitted: number[];
  /** Index of the oldest admission still counted; those before it have left the window. */
  private head = 0;
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
    let head = this.head;
    while (head < this.admitted.length && (this.admitted[head] as number) <= now - WINDOW_MS) {
      head++;
    }
    this.expiredSinceCleanup += head - this.head;
    this.head = head;
    // Moving the expired prefix out on every eviction would copy the whole window each time
    // (tens of thousands of entries on a busy account); once in a while is amortised O(1).
    if (head >= COMPACT_AFTER && head * 2 >= this.admitted.length) {
      this.admitted.splice(0, head);
      this.head = 0;
    }
  }

  /** Admissions counted in the window at `now`. */
  used(now: number): number {
    this.evict(now);
    return this.admitted.length - this.head;
  }

  /**
   * Seconds until the oldest counted admission leaves the window (0 when none is counted):
   * after waiting that long, one more request fits.
   */
  resetSeconds(now: number): number {
    this.evict(now);
    const oldest = this.admitted[this.head];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
  }

  /** Milliseconds until one more admission fits under `limit` (0 when it already does). */
  msUntilFree(now: number, limit: number): number {
    this.evict(now);
    // Once the oldest `counted - limit + 1` admissions have left, one more fits.
    const mustLeave = this.admitted.length - this.head - limit;
    if (mustLeave < 0) return 0;
    const boundary = this.admitted[this.head + mustLeave] as number;
    return Math.max(0, boundary + WINDOW_MS - now);
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
