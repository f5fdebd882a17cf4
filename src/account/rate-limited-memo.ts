import { GatewayError } from "../errors/gateway-error";
import type { LimitSnapshot } from "./types";

/**
 * Accounts this isolate knows to be at their per-minute limit, and until when. The account's
 * object said so (429 with the exact time the window frees), and nothing but time frees a
 * window — a rejection consumes nothing — so until then the edge answers 429 itself and the
 * flood never reaches the object. Only a tier raised in the meantime is seen late (at most the
 * remaining window, under 60 s).
 */
export class RateLimitedMemo {
  private readonly until = new Map<string, { at: number; limit: number }>();

  constructor(private readonly maxAccounts = 10_000) {}

  remember(accountId: string, freeAt: number, limit: number): void {
    if (this.until.size >= this.maxAccounts) this.until.clear();
    this.until.set(accountId, { at: freeAt, limit });
  }

  /** Milliseconds until the account's window has room, or null when nothing is known. */
  private blocked(accountId: string, now: number): { inMs: number; limit: number } | null {
    const entry = this.until.get(accountId);
    if (entry === undefined) return null;
    if (entry.at <= now) {
      this.until.delete(accountId);
      return null;
    }
    return { inMs: entry.at - now, limit: entry.limit };
  }

  /**
   * The 429 for an account known to be at its limit, with the limiter state its RateLimit
   * header reports; null when nothing is known. Shared by admission and the edge's lane.
   */
  refusal(
    accountId: string,
    tierName: string,
    now: number,
  ): { error: GatewayError; limits: LimitSnapshot } | null {
    const blocked = this.blocked(accountId, now);
    if (blocked === null) return null;
    const retryAfter = Math.max(1, Math.ceil(blocked.inMs / 1000));
    return {
      error: new GatewayError("rate_limited", {
        details: { limit: blocked.limit, window_s: 60 },
        retryAfter,
        internalReason: "known at the edge",
      }),
      limits: {
        tier: tierName,
        minute: { limit: blocked.limit, remaining: 0, resetSeconds: retryAfter },
      },
    };
  }
}
