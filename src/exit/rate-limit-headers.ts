import type { LimitSnapshot } from "../account/contract";

/** The three limits a caller is held to, from its tier or from the object's snapshot. */
export type LimitsInForce = LimitSnapshot["policy"];

const policies = new WeakMap<LimitsInForce, string>();

/**
 * draft-ietf-httpapi-ratelimit-headers: the policies in force for the caller (its tier's, or
 * what the object said binds it: overrides and the key's own limit included), built once per
 * limits object (a tier's, or a remembered snapshot's, is the same object request after request).
 */
export function rateLimitPolicy(limits: LimitsInForce): string {
  let value = policies.get(limits);
  if (value === undefined) {
    value = `"minute";q=${limits.per_minute};w=60, "daily";q=${limits.per_day};w=86400, "active";q=${limits.in_flight};qu="concurrent-requests"`;
    policies.set(limits, value);
  }
  return value;
}

/** The per-minute policy's state (`t`: seconds until the oldest counted request leaves). */
export function rateLimitState(minute: LimitSnapshot["minute"]): string {
  return `"minute";r=${minute.remaining};t=${minute.resetSeconds}`;
}
