import { type TierPolicy, tierPolicyOf } from "../config/policy";
import type { AccountRecord, KeyRecord } from "../model/records";

/** The limits that bind an account and one of its keys on this call. */
export interface LimitsInForce {
  per_minute: number;
  in_flight: number;
  per_day: number;
  max_submission_seconds: number;
  /** The key's own per-minute limit, beside its account's (null: none). */
  key_per_minute: number | null;
}

/**
 * The tier's limits with the account's own overrides in their place, and the key's limit: read
 * from the records on every call, so a change binds on the very next request (contract
 * section 10). A key's limit above its account's is allowed; the lower one binds.
 */
export function limitsInForce(
  tiers: Readonly<Record<string, TierPolicy>>,
  account: AccountRecord,
  key: KeyRecord | null,
): LimitsInForce {
  const tier = tierPolicyOf(tiers, account.tier);
  return {
    per_minute: account.limits.per_minute ?? tier.per_minute,
    in_flight: account.limits.in_flight ?? tier.in_flight,
    per_day: account.limits.per_day ?? tier.per_day,
    max_submission_seconds: tier.max_submission_seconds,
    key_per_minute: key?.limits.per_minute ?? null,
  };
}
