/** The longest this isolate believes a window is full (contract section 10). */
export const KNOWN_FULL_MS = 1_000;

/**
 * Accounts (and keys with a limit of their own) this isolate knows to be at their per-minute
 * limit. The account's object said so (a refusal with the time the window frees), and only
 * time, a raised limit or a lower cost frees a window — a refusal consumes nothing — so for up
 * to KNOWN_FULL_MS the edge refuses by itself and the flood never reaches the object; a limit
 * raised meanwhile binds within that second.
 */
export interface KnownFull {
  /** Milliseconds until the window has room, as the object said (the Retry-After). */
  retryInMs: number;
  /** The limit that refused, and whose it is. */
  limit: number;
  scope: "account" | "key";
}

interface Entry {
  until: number;
  freeAt: number;
  limit: number;
  scope: "account" | "key";
}

export class RateLimitedMemo {
  private readonly full = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  remember(
    accountId: string,
    keyId: string,
    refusal: { limit: number; scope: "account" | "key"; retryInMs: number },
    now: number,
  ): void {
    if (this.full.size >= this.maxEntries) this.full.clear();
    const id = refusal.scope === "account" ? accountId : `${accountId}\n${keyId}`;
    this.full.set(id, {
      until: now + Math.min(refusal.retryInMs, KNOWN_FULL_MS),
      freeAt: now + refusal.retryInMs,
      limit: refusal.limit,
      scope: refusal.scope,
    });
  }

  /**
   * An admin write changed the account's limits or tier (or a key's limit): what this isolate
   * knew of its windows is void, so the change binds here on the very next request.
   */
  forgetAccount(accountId: string): void {
    this.full.delete(accountId);
    const keyPrefix = `${accountId}\n`;
    for (const id of this.full.keys()) if (id.startsWith(keyPrefix)) this.full.delete(id);
  }

  /** The account's window (or this key's own) is known full at `now`: until when, which limit. */
  knownFull(accountId: string, keyId: string, now: number): KnownFull | null {
    return this.entry(accountId, now) ?? this.entry(`${accountId}\n${keyId}`, now);
  }

  private entry(id: string, now: number): KnownFull | null {
    const entry = this.full.get(id);
    if (entry === undefined) return null;
    if (entry.until <= now) {
      this.full.delete(id);
      return null;
    }
    return { retryInMs: entry.freeAt - now, limit: entry.limit, scope: entry.scope };
  }
}
