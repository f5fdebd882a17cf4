/**
 * Accounts this isolate knows to be at their per-minute limit, and until when. The account's
 * object said so (a refusal with the exact time the window frees), and nothing but time frees a
 * window — a refusal consumes nothing — so until then the edge refuses by itself and the flood
 * never reaches the object. Only a tier raised in the meantime is seen late (at most the
 * remaining window, under 60 s).
 */
export interface KnownFull {
  /** Milliseconds until the window has room. */
  retryInMs: number;
  limit: number;
}

export class RateLimitedMemo {
  private readonly until = new Map<string, { at: number; limit: number }>();

  constructor(private readonly maxAccounts = 10_000) {}

  remember(accountId: string, freeAt: number, limit: number): void {
    if (this.until.size >= this.maxAccounts) this.until.clear();
    this.until.set(accountId, { at: freeAt, limit });
  }

  /** The account's window is known full at `now`: until when, and at which limit. */
  knownFull(accountId: string, now: number): KnownFull | null {
    const entry = this.until.get(accountId);
    if (entry === undefined) return null;
    if (entry.at <= now) {
      this.until.delete(accountId);
      return null;
    }
    return { retryInMs: entry.at - now, limit: entry.limit };
  }
}
