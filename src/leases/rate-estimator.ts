/** How far back the estimate looks, roughly (an exponential decay's time constant). */
const TIME_CONSTANT_MS = 2_000;

/**
 * A key's recent rate of plain reads in this isolate, in units per second: an exponentially
 * decaying average, so a burst counts at once and a key gone quiet fades within seconds.
 */
export class RateEstimator {
  private value = 0;
  private last = Number.NEGATIVE_INFINITY;

  note(now: number, units: number): void {
    this.value = this.perSecond(now) + (units * 1000) / TIME_CONSTANT_MS;
    this.last = now;
  }

  perSecond(now: number): number {
    if (this.last === Number.NEGATIVE_INFINITY) return 0;
    const elapsed = Math.max(0, now - this.last);
    return this.value * Math.exp(-elapsed / TIME_CONSTANT_MS);
  }
}
