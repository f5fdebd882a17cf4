import type { LimitSnapshot } from "../account/contract";
import type { TierPolicy } from "../config/policy";

const policies = new WeakMap<TierPolicy, string>();

/**
 * draft-ietf-httpapi-ratelimit-headers: the policies in force for the caller's tier, built once
 * per tier policy (the same string on every answer).
 */
export function rateLimitPolicy(tier: TierPolicy): string {
  let value = policies.get(tier);
  if (value === undefined) {
    value = `"minute";q=${tier.per_minute};w=60, "daily";q=${tier.per_day};w=86400, "active";q=${tier.in_flight};qu="concurrent-requests"`;
    policies.set(tier, value);
  }
  return value;
}

/** The per-minute policy's state (`t`: seconds until the oldest counted request leaves). */
export function rateLimitState(minute: LimitSnapshot["minute"]): string {
  return `"minute";r=${minute.remaining};t=${minute.resetSeconds}`;
}
