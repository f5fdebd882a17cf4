/** The per-minute window of contract section 5. */
export const WINDOW_MS = 60_000;

/** Expired entries kept at the front of the lists before they are compacted away. */
const COMPACT_AFTER = 1024;

/**
 * An exact rolling window: admissions as (time, units), oldest first. At `now` it counts every
 * entry with `at > now - WINDOW_MS`, future ones included (a unit reported used at a time the
 * owner has not reached yet still counts). Pure and in memory; the account's object persists it
 * (account/rate-window.ts) and the isolate's fail-open limiter uses it as is.
 */
export class RollingWindow {
  private readonly times: number[] = [];
  private readonly units: number[] = [];
  /** Index of the oldest entry still counted; those before it have left the window. */
  private head = 0;
  /** Units of the entries from `head` on. */
  private total = 0;
  /** Entries that left the window since `takeEvicted` last asked. */
  private evicted = 0;

  constructor(private readonly windowMs: number = WINDOW_MS) {}

  private evict(now: number): void {
    const edge = now - this.windowMs;
    let head = this.head;
    while (head < this.times.length && (this.times[head] as number) <= edge) {
      this.total -= this.units[head] as number;
      head++;
    }
    this.evicted += head - this.head;
    this.head = head;
    // Moving the expired prefix out on every eviction would copy the whole window each time
    // (tens of thousands of entries on a busy account); once in a while is amortised O(1).
    if (head >= COMPACT_AFTER && head * 2 >= this.times.length) {
      this.times.splice(0, head);
      this.units.splice(0, head);
      this.head = 0;
    }
  }

  /** Units counted at `now`. */
  used(now: number): number {
    this.evict(now);
    return this.total;
  }

  /** How many entries left the window since the last call (for batched clean-up of copies). */
  takeEvicted(now: number): number {
    this.evict(now);
    const evicted = this.evicted;
    this.evicted = 0;
    return evicted;
  }

  /** Counts `units` admitted at `at` (any time: reported uses may be older than the newest). */
  add(at: number, units: number): void {
    let i = this.times.length;
    // Almost always at the end; reported lease uses land a little before it.
    while (i > this.head && (this.times[i - 1] as number) > at) i--;
    if (i > this.head && this.times[i - 1] === at) {
      this.units[i - 1] = (this.units[i - 1] as number) + units;
    } else if (i === this.times.length) {
      this.times.push(at);
      this.units.push(units);
    } else {
      this.times.splice(i, 0, at);
      this.units.splice(i, 0, units);
    }
    this.total += units;
  }

  /** Takes back up to `units` counted at exactly `at`; returns how many it took. */
  remove(at: number, units: number): number {
    for (let i = this.times.length - 1; i >= this.head; i--) {
      const time = this.times[i] as number;
      if (time < at) break;
      if (time !== at) continue;
      const taken = Math.min(units, this.units[i] as number);
      this.units[i] = (this.units[i] as number) - taken;
      this.total -= taken;
      return taken;
    }
    return 0;
  }

  /**
   * Seconds until the oldest counted entry leaves the window (0 when none is counted): after
   * waiting that long, at least one more unit fits.
   */
  resetSeconds(now: number): number {
    this.evict(now);
    for (let i = this.head; i < this.times.length; i++) {
      if ((this.units[i] as number) === 0) continue;
      const leaves = (this.times[i] as number) + this.windowMs - now;
      return Math.max(1, Math.ceil(leaves / 1000));
    }
    return 0;
  }

  /** Milliseconds until `units` more fit under `limit` (0 when they already do). */
  msUntilFree(now: number, limit: number, units = 1): number {
    this.evict(now);
    let excess = this.total + units - limit;
    if (excess <= 0) return 0;
    if (units > limit) return Number.POSITIVE_INFINITY;
    // The oldest entries must leave until `excess` units have gone.
    for (let i = this.head; i < this.times.length; i++) {
      excess -= this.units[i] as number;
      if (excess <= 0) return Math.max(0, (this.times[i] as number) + this.windowMs - now);
    }
    return Number.POSITIVE_INFINITY;
  }
}
