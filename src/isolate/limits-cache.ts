import type { LimitSnapshot } from "../account/contract";

/**
 * The last snapshot the account's object returned to this isolate for each key (a key may have a
 * limit of its own, so what binds it is the key's, not the account's). Answers decided at the
 * edge (403, 400, 413) never touch the object, by design, so their RateLimit header reports
 * this, aged by the time elapsed since.
 */
export class LimitsCache {
  private readonly snapshots = new Map<string, { limits: LimitSnapshot; at: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  remember(keyId: string, limits: LimitSnapshot, now: number): void {
    if (this.snapshots.size >= this.maxEntries) this.snapshots.clear();
    this.snapshots.set(keyId, { limits, at: now });
  }

  recall(keyId: string, now: number): LimitSnapshot | null {
    const entry = this.snapshots.get(keyId);
    if (entry === undefined) return null;
    const elapsedSeconds = Math.floor((now - entry.at) / 1000);
    const { minute } = entry.limits;
    if (elapsedSeconds >= minute.resetSeconds) {
      // Everything counted then has left the window since; nothing newer is known here.
      return { ...entry.limits, minute: { ...minute, remaining: minute.limit, resetSeconds: 0 } };
    }
    return {
      ...entry.limits,
      minute: { ...minute, resetSeconds: minute.resetSeconds - elapsedSeconds },
    };
  }
}
