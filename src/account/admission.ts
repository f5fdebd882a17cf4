import { type TierPolicy, tierPolicyOf } from "../config/policy";
import { constantTimeEqual } from "../keys/constant-time";
import type { AccountRecord } from "../model/records";
import type { AccountStore } from "./account-store";
import type {
  AccountTerms,
  AdmissionRefusal,
  AdmissionRequest,
  AdmissionResult,
  AdmissionTicket,
  LimitSnapshot,
} from "./contract";
import { type DailyQuota, msToUtcMidnight, utcDay } from "./daily-quota";
import type { IdempotencyStore } from "./idempotency-store";
import type { RateWindow } from "./rate-window";
import type { Slots } from "./slots";

export interface AdmissionStores {
  accounts: AccountStore;
  rate: RateWindow;
  slots: Slots;
  quota: DailyQuota;
  idempotency: IdempotencyStore;
}

/**
 * The one atomic admission of contract section 5, step 5: key and account still valid,
 * idempotency, per-minute rate, slots, daily quota — decided in one synchronous call, so no
 * other call interleaves, and a refusal changes nothing.
 */
export class Admission {
  constructor(private readonly stores: AdmissionStores) {}

  /** The per-minute window's state for the RateLimit headers. */
  limits(account: AccountRecord, tier: TierPolicy, now: number): LimitSnapshot {
    const used = this.stores.rate.used(now);
    return {
      tier: account.tier,
      minute: {
        limit: tier.per_minute,
        remaining: Math.max(0, tier.per_minute - used),
        resetSeconds: this.stores.rate.resetSeconds(now),
      },
    };
  }

  admit(request: AdmissionRequest, terms: AccountTerms, now: number): AdmissionResult {
    const { accounts, rate, slots, quota, idempotency } = this.stores;
    const account = accounts.account();
    const key = account === null ? null : accounts.key(request.keyId, account.id);
    if (
      account === null ||
      key === null ||
      !constantTimeEqual(key.digest, request.keyDigest) ||
      key.revoked_at !== null ||
      (key.expires_at !== null && key.expires_at <= now)
    ) {
      return refuse({ reason: "key_invalid" }, null);
    }
    if (account.status !== "active") return refuse({ reason: "account_disabled" }, null);
    const tier = tierPolicyOf(terms.tiers, account.tier);
    const limits = this.limits(account, tier, now);
    if (request.requiredScope !== null && !key.scopes.includes(request.requiredScope)) {
      return refuse({ reason: "scope_missing", scope: request.requiredScope }, limits);
    }

    if (request.idempotency !== null) {
      const found = idempotency.lookup(
        request.idempotency.key,
        request.idempotency.fingerprint,
        now,
      );
      if (found.state === "mismatch") return refuse({ reason: "idempotency_mismatch" }, limits);
      if (found.state === "in_progress") {
        return refuse({ reason: "idempotency_in_progress", retryInMs: found.retryInMs }, limits);
      }
      if (found.state === "completed") {
        return { outcome: "replay", response: found.response, limits };
      }
    }

    if (limits.minute.remaining <= 0) {
      const retryInMs = rate.msUntilFree(now, tier.per_minute);
      return refuse({ reason: "rate_limited", limit: tier.per_minute, retryInMs }, limits);
    }
    const day = utcDay(now);
    if (request.takesSlot) {
      // Slots and the day's count are read only for creates: a read never needs them.
      const active = slots.used(now);
      if (active >= tier.in_flight) {
        return refuse({ reason: "slots_full", used: active, limit: tier.in_flight }, limits);
      }
      const daily = quota.used(day);
      if (daily >= tier.per_day) {
        return refuse(
          {
            reason: "daily_quota",
            used: daily,
            limit: tier.per_day,
            retryInMs: msToUtcMidnight(now),
          },
          limits,
        );
      }
    }

    // Everything passed: consume, all at once.
    rate.record(now, 1, now);
    const ticket: AdmissionTicket = {
      slotId: null,
      quotaDay: null,
      idempotency: null,
      holdMs: tier.max_submission_seconds * 1000,
    };
    if (request.takesSlot) {
      ticket.slotId = crypto.randomUUID();
      slots.take(ticket.slotId, request.requestId, now, now + terms.lockMs);
      quota.charge(day);
      ticket.quotaDay = day;
    }
    if (request.idempotency !== null) {
      const claimId = crypto.randomUUID();
      idempotency.claim(
        request.idempotency.key,
        request.idempotency.fingerprint,
        claimId,
        now,
        terms.lockMs,
      );
      ticket.idempotency = { key: request.idempotency.key, claimId };
    }
    return {
      outcome: "admitted",
      ticket,
      watchSubmission: request.submissionId !== null && slots.mayRelease(request.submissionId),
      scopes: key.scopes,
      tier: account.tier,
      limits: this.limits(account, tier, now),
    };
  }
}

function refuse(refusal: AdmissionRefusal, limits: LimitSnapshot | null): AdmissionResult {
  return { outcome: "refused", refusal, limits };
}
