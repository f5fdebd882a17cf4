import { constantTimeEqual } from "../keys/constant-time";
import type { BankLimits, LeaseBank } from "../leases/lease-bank";
import type { LeaseAsk } from "../leases/lease-terms";
import type { AccountRecord, KeyRecord } from "../model/records";
import type { AccountStore } from "./account-store";
import type {
  AccountTerms,
  AdmissionRefusal,
  AdmissionRequest,
  AdmissionResult,
  AdmissionTicket,
  LeaseAnswer,
  LeaseRequest,
  LeaseResult,
  LimitSnapshot,
} from "./contract";
import { type DailyQuota, msToUtcMidnight, utcDay } from "./daily-quota";
import type { IdempotencyStore } from "./idempotency-store";
import { type LimitsInForce, limitsInForce } from "./limits-in-force";
import type { Slots } from "./slots";

export interface AdmissionStores {
  accounts: AccountStore;
  bank: LeaseBank;
  slots: Slots;
  quota: DailyQuota;
  idempotency: IdempotencyStore;
}

type Standing =
  | { ok: true; account: AccountRecord; key: KeyRecord }
  | { ok: false; refusal: AdmissionRefusal };

/**
 * The one atomic admission of contract section 5, step 5: key and account still valid,
 * idempotency, per-minute rate, slots, daily quota — decided in one synchronous call, so no
 * other call interleaves, and a refusal changes nothing. The per-minute window is the bank's
 * (section 9): what it admits directly and what it grants in leases count together.
 */
export class Admission {
  constructor(private readonly stores: AdmissionStores) {}

  private limitsOf(inForce: LimitsInForce): BankLimits {
    return { account: inForce.per_minute, key: inForce.key_per_minute };
  }

  /**
   * The limits in force and the window's state for the RateLimit headers, as this key sees
   * them: the lower of its account's and its own per-minute limit, and what is left of it.
   */
  limits(
    account: AccountRecord,
    key: KeyRecord,
    inForce: LimitsInForce,
    now: number,
  ): LimitSnapshot {
    const { bank } = this.stores;
    const accountLeft = inForce.per_minute - bank.usedByAccount(now);
    const keyLimit = inForce.key_per_minute;
    const keyLeft =
      keyLimit === null ? Number.POSITIVE_INFINITY : keyLimit - bank.usedByKey(key.id, now);
    const keyBinds = keyLimit !== null && keyLeft < accountLeft;
    const limit =
      keyLimit !== null && keyLimit < inForce.per_minute ? keyLimit : inForce.per_minute;
    return {
      tier: account.tier,
      policy: { per_minute: limit, per_day: inForce.per_day, in_flight: inForce.in_flight },
      minute: {
        limit,
        remaining: Math.max(0, Math.min(accountLeft, keyLeft)),
        resetSeconds: bank.resetSeconds(now, keyBinds ? key.id : undefined),
      },
    };
  }

  /** The key (same digest, not revoked or expired) and its account (active), or why not. */
  private standing(keyId: string, keyDigest: string, now: number): Standing {
    const { accounts } = this.stores;
    const account = accounts.account();
    const key = account === null ? null : accounts.key(keyId, account.id);
    if (
      account === null ||
      key === null ||
      !constantTimeEqual(key.digest, keyDigest) ||
      key.revoked_at !== null ||
      (key.expires_at !== null && key.expires_at <= now)
    ) {
      return { ok: false, refusal: { reason: "key_invalid" } };
    }
    if (account.status !== "active") return { ok: false, refusal: { reason: "account_disabled" } };
    return { ok: true, account, key };
  }

  /** Reports only ever free units, so they count first, whatever else the call brings. */
  private takeReports(ask: LeaseAsk | null, now: number): void {
    if (ask === null) return;
    for (const report of ask.reports) this.stores.bank.report(report, now);
  }

  private leaseAnswer(
    keyId: string,
    ask: LeaseAsk,
    limits: BankLimits,
    now: number,
    refused = false,
  ): LeaseAnswer {
    const { bank, slots } = this.stores;
    return {
      ...bank.answer(ask.want, keyId, limits, now, refused),
      fullScope: limits.account - bank.usedByAccount(now) < 1 ? "account" : "key",
      jobs: { held: slots.heldSubmissions(), pending: slots.pendingCount(now) > 0 },
    };
  }

  admit(request: AdmissionRequest, terms: AccountTerms, now: number): AdmissionResult {
    const { bank, slots, quota, idempotency } = this.stores;
    this.takeReports(request.lease, now);
    const standing = this.standing(request.keyId, request.keyDigest, now);
    if (!standing.ok) return refuse(standing.refusal, null);
    const { account, key } = standing;
    const inForce = limitsInForce(terms.tiers, account, key);
    const bankLimits = this.limitsOf(inForce);
    const limits = this.limits(account, key, inForce, now);
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
        return { outcome: "replay", response: found.response, limits, lease: null };
      }
    }

    const units = Math.max(1, request.units);
    if (bank.free(key.id, bankLimits, now) < units) {
      const retryInMs = bank.msUntilFree(key.id, bankLimits, units, now);
      const lease =
        request.lease === null
          ? null
          : this.leaseAnswer(key.id, request.lease, bankLimits, now, true);
      // Which limit refused: the account's when its window has no room, else the key's own.
      const accountFull = inForce.per_minute - bank.usedByAccount(now) < units;
      const refusal: AdmissionRefusal = accountFull
        ? { reason: "rate_limited", limit: inForce.per_minute, scope: "account", retryInMs }
        : {
            reason: "rate_limited",
            limit: inForce.key_per_minute ?? inForce.per_minute,
            scope: "key",
            retryInMs,
          };
      return refuse(refusal, limits, lease);
    }
    const day = utcDay(now);
    if (request.takesSlot) {
      // Slots and the day's count are read only for creates: a read never needs them.
      const active = slots.used(now);
      if (active >= inForce.in_flight) {
        return refuse({ reason: "slots_full", used: active, limit: inForce.in_flight }, limits);
      }
    }
    if (request.takesDailyQuota) {
      const daily = quota.used(day);
      if (daily >= inForce.per_day) {
        return refuse(
          {
            reason: "daily_quota",
            used: daily,
            limit: inForce.per_day,
            retryInMs: msToUtcMidnight(now),
          },
          limits,
        );
      }
    }

    // Everything passed: consume, all at once.
    bank.admit(key.id, units, bankLimits, now);
    const ticket: AdmissionTicket = {
      slotId: null,
      quotaDay: null,
      idempotency: null,
      holdMs: inForce.max_submission_seconds * 1000,
    };
    if (request.takesSlot) {
      ticket.slotId = crypto.randomUUID();
      slots.take(ticket.slotId, request.requestId, now, now + terms.lockMs);
    }
    if (request.takesDailyQuota) {
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
    const lease =
      request.lease === null ? null : this.leaseAnswer(key.id, request.lease, bankLimits, now);
    return {
      outcome: "admitted",
      ticket,
      watchSubmission: request.submissionId !== null && slots.mayRelease(request.submissionId),
      scopes: key.scopes,
      tier: account.tier,
      limits: this.limits(account, key, inForce, now),
      lease,
    };
  }

  /**
   * A lease call that carries no request (a renewal, or reports only): the key, its account and
   * its scopes are checked again, as at every grant, before any lease.
   */
  lease(request: LeaseRequest, terms: AccountTerms, now: number): LeaseResult {
    this.takeReports(request.lease, now);
    const standing = this.standing(request.keyId, request.keyDigest, now);
    if (!standing.ok) return { outcome: "refused", refusal: standing.refusal };
    const { account, key } = standing;
    const inForce = limitsInForce(terms.tiers, account, key);
    return {
      outcome: "answered",
      lease: this.leaseAnswer(key.id, request.lease, this.limitsOf(inForce), now),
      scopes: key.scopes,
      tier: account.tier,
      limits: this.limits(account, key, inForce, now),
    };
  }
}

function refuse(
  refusal: AdmissionRefusal,
  limits: LimitSnapshot | null,
  lease: LeaseAnswer | null = null,
): AdmissionResult {
  return { outcome: "refused", refusal, limits, lease };
}
