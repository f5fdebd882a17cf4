import { FallbackLimiter } from "./fallback-limiter";
import { LeaseBook } from "./lease-book";
import { LimitsCache } from "./limits-cache";
import { RateLimitedMemo } from "./rate-limited-memo";
import { UsageBatch } from "./usage-batch";

/**
 * What one isolate remembers between requests, beside the key lookups (keys/key-directory.ts)
 * and the origin breaker: nothing here is authoritative, everything is bounded, and the account's
 * object re-checks whatever binds.
 */
export interface IsolateMemory {
  /** The last limiter state seen per account, for the RateLimit headers of edge answers. */
  limits: LimitsCache;
  /** Accounts known to be at their per-minute limit, until their window frees. */
  rateLimited: RateLimitedMemo;
  /** The fail-open limiter for plain reads while an account's object cannot be reached. */
  fallback: FallbackLimiter;
  /** The leases of busy keys (contract section 9). */
  leases: LeaseBook;
  /** Usage only this isolate saw, until it is sent to the accounts' objects (section 11). */
  usage: UsageBatch;
}

export function newIsolateMemory(options: { usageFlushMs?: number | null } = {}): IsolateMemory {
  return {
    usage: new UsageBatch(options.usageFlushMs),
    limits: new LimitsCache(),
    rateLimited: new RateLimitedMemo(),
    fallback: new FallbackLimiter(),
    leases: new LeaseBook(),
  };
}
