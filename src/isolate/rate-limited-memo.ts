/** The longest this isolate believes an account's window is full (contract section 10). */
export const KNOWN_FULL_MS = 1_000;

/**
 * Accounts this isolate knows to be at their per-minute limit, and until when. The account's
 * object said so (a refusal with the time the window frees), and only time, a raised limit or a
 * lowered cost frees a window — a refusal consumes nothing — so for up to KNOWN_FULL_MS the edge
 * refuses by itself and the flood never reaches the object; a limit raised meanwhile is seen
 * within that second.
 */
export interface KnownFull {
  /** Milliseconds until the window has room, as the object said (the Retry-After). */
  retryInMs: number;
  limit: number;
}

export class RateLimitedMemo {
  private readonly until = new Map<string, { until: number; freeAt: number; limit: number }>();

  constructor(private readonly maxAccounts = 10_000) {}

  remember(accountId: string, now: number, freeInMs: number, limit: number): void {
    if (this.until.size >= this.maxAccounts) this.until.clear();
    this.until.set(accountId, {
      until: now + Math.min(freeInMs, KNOWN_FULL_MS),
      freeAt: now + freeInMs,
      limit,
    });
  }

  /** The account's window is known full at `now`: until when, and at which limit. */
  knownFull(accountId: string, now: number): KnownFull | null {
    const entry = this.until.get(accountId);
    if (entry === undefined) return null;
    if (entry.until <= now) {
      this.until.delete(accountId);
      return null;
    }
    return { retryInMs: entry.freeAt - now, limit: entry.limit };
  }
}
