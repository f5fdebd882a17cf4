import { type Policy, type TierPolicy, tierPolicyOf } from "../config/policy";
import type { LimitSnapshot } from "./types";

/**
 * draft-ietf-httpapi-ratelimit-headers: the policies in force for the caller's tier, and the
 * state of the per-minute one (`t`: seconds until the oldest counted request leaves the window).
 */
export function rateLimitHeaders(
  limits: LimitSnapshot,
  tier: TierPolicy,
): { "RateLimit-Policy": string; RateLimit: string } {
  return {
    "RateLimit-Policy": `"minute";q=${tier.per_minute};w=60, "daily";q=${tier.per_day};w=86400, "active";q=${tier.in_flight};qu="concurrent-requests"`,
    RateLimit: `"minute";r=${limits.minute.remaining};t=${limits.minute.resetSeconds}`,
  };
}

/**
 * Sets RateLimit-Policy and RateLimit on an authenticated answer. The state is the object's own
 * when this request reached it, else the last one this isolate saw, else a full window; a 429
 * has none remaining. Shared by the middleware and the edge's synchronous lane.
 */
export function setRateLimitHeaders(
  headers: Headers,
  answer: {
    status: number;
    accountId: string;
    tierName: string;
    policy: Policy;
    limits: LimitSnapshot | null;
  },
  cache: LimitsCache,
  now: number,
): void {
  const tier = tierPolicyOf(answer.policy, answer.tierName);
  const limits = answer.limits ??
    cache.recall(answer.accountId, now) ?? {
      tier: answer.tierName,
      minute: { limit: tier.per_minute, remaining: tier.per_minute, resetSeconds: 0 },
    };
  const minute = answer.status === 429 ? { ...limits.minute, remaining: 0 } : limits.minute;
  const values = rateLimitHeaders({ ...limits, minute }, tier);
  headers.set("RateLimit-Policy", values["RateLimit-Policy"]);
  headers.set("RateLimit", values.RateLimit);
}

/**
 * The last snapshot each account's object returned to this isolate. Answers decided at the edge
 * (403, 400, 413) never touch the object, by design, so their RateLimit header reports this,
 * aged by the time elapsed since.
 */
export class LimitsCache {
  private readonly snapshots = new Map<string, { limits: LimitSnapshot; at: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  remember(accountId: string, limits: LimitSnapshot, now: number): void {
    if (this.snapshots.size >= this.maxEntries) this.snapshots.clear();
    this.snapshots.set(accountId, { limits, at: now });
  }

  recall(accountId: string, now: number): LimitSnapshot | null {
    const entry = this.snapshots.get(accountId);
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
