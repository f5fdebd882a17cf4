import { DurableObject } from "cloudflare:workers";
import { type Clock, systemClock } from "../clock";
import { configFor, type GatewayConfig, type GatewayVars } from "../config/config";
import { type TierPolicy, tierPolicyOf } from "../config/policy";
import { constantTimeEqualHex } from "../keys/key-format";
import { AccountStore, type KeyPatch } from "./account-store";
import { DailyQuota, secondsToUtcMidnight, utcDay } from "./daily-quota";
import { IdempotencyStore } from "./idempotency-store";
import { RateWindow } from "./rate-window";
import { migrate } from "./schema";
import { Slots } from "./slots";
import type {
  AccountCreateResult,
  AccountRecord,
  AccountStatus,
  AccountUsage,
  AdmissionRequest,
  AdmissionResult,
  AdmissionTicket,
  KeyRecord,
  LimitSnapshot,
  OriginOutcome,
  Rejection,
} from "./types";

/** Past the origin timeout, how long a pending slot or idempotency lock is still kept. */
export const COMPLETION_MARGIN_MS = 5_000;

type Env = GatewayVars;

/**
 * One per account (named by the account id): its keys, its limits and its idempotency records.
 * `admit` decides a request in one synchronous step, so the whole decision is atomic: no other
 * call interleaves, and a rejected request changes nothing.
 */
export class AccountCoordinator extends DurableObject<Env> {
  /** Replaced by tests (through runInDurableObject) to move time without sleeping. */
  clock: Clock = systemClock;
  private readonly sql: SqlStorage;
  private readonly accounts: AccountStore;
  private readonly slots: Slots;
  private readonly quota: DailyQuota;
  private readonly idempotency: IdempotencyStore;
  private rate!: RateWindow;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.accounts = new AccountStore(this.sql);
    this.slots = new Slots(this.sql);
    this.quota = new DailyQuota(this.sql);
    this.idempotency = new IdempotencyStore(this.sql);
    ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.rate = new RateWindow(this.sql, this.clock.now());
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private get config(): GatewayConfig {
    return configFor(this.env);
  }

  private tierPolicy(tier: string): TierPolicy {
    return tierPolicyOf(this.config.policy, tier);
  }

  private limits(account: AccountRecord, now: number): LimitSnapshot {
    const tier = this.tierPolicy(account.tier);
    const used = this.rate.used(now);
    return {
      tier: account.tier,
      minute: {
        limit: tier.per_minute,
        remaining: Math.max(0, tier.per_minute - used),
        resetSeconds: this.rate.resetSeconds(now),
      },
    };
  }

  // ---- request path -------------------------------------------------------------------

  admit(request: AdmissionRequest): AdmissionResult {
    const now = this.clock.now();
    const account = this.accounts.account();
    const key = account === null ? null : this.accounts.key(request.keyId, account.id);
    if (
      account === null ||
      key === null ||
      !constantTimeEqualHex(key.digest, request.keyDigest) ||
      key.revoked_at !== null ||
      (key.expires_at !== null && key.expires_at <= now)
    ) {
      return reject({ code: "invalid_credentials", details: {} }, null);
    }
    if (account.status !== "active") {
      return reject({ code: "account_disabled", details: {} }, null);
    }
    const limits = this.limits(account, now);
    if (request.requiredScope !== null && !key.scopes.includes(request.requiredScope)) {
      return reject(
        {
          code: "scope_required",
          message: `This endpoint requires the ${request.requiredScope} scope.`,
          details: { required_scope: request.requiredScope },
        },
        limits,
      );
    }

    if (request.idempotency !== null) {
      const found = this.idempotency.lookup(
        request.idempotency.key,
        request.idempotency.fingerprint,
        now,
      );
      if (found.state === "mismatch") {
        return reject({ code: "idempotency_key_mismatch", details: {} }, limits);
      }
      if (found.state === "in_progress") {
        return reject(
          { code: "idempotency_key_in_progress", details: {}, retryAfter: found.retryAfterSeconds },
          limits,
        );
      }
      if (found.state === "completed") {
        return { outcome: "replay", response: found.response, limits };
      }
    }

    const tier = this.tierPolicy(account.tier);
    if (limits.minute.remaining <= 0) {
      const retryInMs = this.rate.msUntilFree(now, tier.per_minute);
      return reject(
        {
          code: "rate_limited",
          details: { limit: tier.per_minute, window_s: 60 },
          retryAfter: Math.max(1, Math.ceil(retryInMs / 1000)),
          retryInMs,
        },
        limits,
      );
    }
    const day = utcDay(now);
    if (request.isCreate) {
      // Slots and the day's count are read only for creates: a read never needs them.
      const active = this.slots.used(now);
      const daily = this.quota.used(day);
      if (active >= tier.in_flight) {
        return reject(
          {
            code: "too_many_active_api_requests",
            details: { used: active, limit: tier.in_flight },
            // A polling hint: a slot frees when a submission finishes.
            retryAfter: 1,
          },
          limits,
        );
      }
      if (daily >= tier.per_day) {
        return reject(
          {
            code: "capacity_exceeded",
            message: "The daily submission quota is used up.",
            details: { reason: "daily_quota", used: daily, limit: tier.per_day },
            retryAfter: secondsToUtcMidnight(now),
          },
          limits,
        );
      }
    }

    // Everything passed: consume, all at once.
    const lockMs = this.config.originTimeoutMs + COMPLETION_MARGIN_MS;
    this.rate.record(now);
    const ticket: AdmissionTicket = { slotId: null, quotaDay: null, idempotency: null };
    if (request.isCreate) {
      ticket.slotId = crypto.randomUUID();
      this.slots.take(ticket.slotId, request.requestId, now, now + lockMs);
      this.quota.charge(day);
      ticket.quotaDay = day;
    }
    if (request.idempotency !== null) {
      const claimId = crypto.randomUUID();
      this.idempotency.claim(
        request.idempotency.key,
        request.idempotency.fingerprint,
        claimId,
        now,
        lockMs,
      );
      ticket.idempotency = { key: request.idempotency.key, claimId };
    }
    // Only slots and idempotency locks have deadlines; a plain read sets none.
    if (ticket.slotId !== null || ticket.idempotency !== null) this.scheduleAlarm();
    return {
      outcome: "admitted",
      ticket,
      watchSubmission: request.submissionId !== null && this.slots.mayRelease(request.submissionId),
      scopes: key.scopes,
      tier: account.tier,
      limits: this.limits(account, now),
    };
  }

  /** Finishes an admitted request once the origin's answer is known (after the response). */
  complete(ticket: AdmissionTicket, outcome: OriginOutcome): void {
    // Not known whether the origin executed it: everything stays as admitted, and the
    // deadlines set then (slot, lock) decide.
    if (outcome.kind === "unknown") return;
    const now = this.clock.now();
    const created = outcome.status >= 200 && outcome.status < 300;
    if (ticket.slotId !== null) {
      const account = this.accounts.account();
      if (!created) {
        this.slots.free(ticket.slotId);
      } else if (outcome.submissionId !== null && account !== null) {
        const holdMs = this.tierPolicy(account.tier).max_submission_seconds * 1000;
        if (this.slots.takeEarlyRelease(outcome.submissionId, now)) {
          // Its end was reported before this completion arrived: nothing left to hold.
          this.slots.free(ticket.slotId);
        } else {
          this.slots.hold(ticket.slotId, outcome.submissionId, now, now + holdMs);
        }
      }
      // Created, but no id to release it by: it stays pending until its deadline, since a
      // submission is running that nobody can report finished.
    }
    if (ticket.quotaDay !== null && !created) this.quota.refund(ticket.quotaDay);
    if (ticket.idempotency !== null) {
      const { key, claimId } = ticket.idempotency;
      if (outcome.storable !== null) this.idempotency.complete(key, claimId, outcome.storable);
      else this.idempotency.release(key, claimId);
    }
    this.scheduleAlarm();
  }

  /** The origin (or an observed terminal status) says a submission finished. */
  releaseSubmission(submissionId: string): boolean {
    const now = this.clock.now();
    this.slots.expire(now);
    const released = this.slots.releaseSubmission(submissionId);
    if (!released) {
      // A pending create may be the one that made it; its completion will free its slot.
      const lockMs = this.config.originTimeoutMs + COMPLETION_MARGIN_MS;
      this.slots.rememberEarlyRelease(submissionId, now, now + lockMs);
    }
    return released;
  }

  // ---- admin --------------------------------------------------------------------------

  createAccount(input: { id: string; tier: string; status: AccountStatus }): AccountCreateResult {
    if (this.accounts.account() !== null) return { ok: false, reason: "duplicate" };
    const account: AccountRecord = { ...input, created_at: this.clock.now() };
    this.accounts.createAccount(account);
    return { ok: true, account };
  }

  getAccount(): { account: AccountRecord; usage: AccountUsage } | null {
    const account = this.accounts.account();
    if (account === null) return null;
    const now = this.clock.now();
    const tier = this.tierPolicy(account.tier);
    return {
      account,
      usage: {
        minute: { used: this.rate.used(now), limit: tier.per_minute },
        daily: { used: this.quota.used(utcDay(now)), limit: tier.per_day },
        active: {
          used: this.slots.used(now),
          limit: tier.in_flight,
          submissions: this.slots.heldSubmissions(),
        },
      },
    };
  }

  /** Returns the account and its keys, so the caller can refresh the edge copies. */
  updateAccount(patch: {
    tier?: string;
    status?: AccountStatus;
  }): { account: AccountRecord; keys: KeyRecord[] } | null {
    if (this.accounts.account() === null) return null;
    this.accounts.updateAccount(patch);
    const account = this.accounts.account() as AccountRecord;
    return { account, keys: this.accounts.keys(account.id) };
  }

  /** Adds a key; null when the account does not exist. */
  createKey(key: KeyRecord): { key: KeyRecord; account: AccountRecord } | null {
    const account = this.accounts.account();
    if (account === null) return null;
    this.accounts.insertKey(key);
    return { key, account };
  }

  getKey(id: string): KeyRecord | null {
    const account = this.accounts.account();
    return account === null ? null : this.accounts.key(id, account.id);
  }

  listKeys(): KeyRecord[] | null {
    const account = this.accounts.account();
    return account === null ? null : this.accounts.keys(account.id);
  }

  updateKey(id: string, patch: KeyPatch): { key: KeyRecord; account: AccountRecord } | null {
    const account = this.accounts.account();
    if (account === null || this.accounts.key(id, account.id) === null) return null;
    this.accounts.updateKey(id, patch);
    return { key: this.accounts.key(id, account.id) as KeyRecord, account };
  }

  revokeKey(id: string): KeyRecord | null {
    const account = this.accounts.account();
    if (account === null || this.accounts.key(id, account.id) === null) return null;
    this.accounts.revokeKey(id, this.clock.now());
    return this.accounts.key(id, account.id);
  }

  /**
   * Issues `replacement` with the old key's scopes and name; the old key keeps working until
   * `now + graceSeconds` (or its own earlier expiry).
   */
  rotateKey(
    oldId: string,
    replacement: Pick<KeyRecord, "id" | "digest" | "created_at">,
    graceSeconds: number,
  ):
    | { ok: true; old: KeyRecord; key: KeyRecord; account: AccountRecord }
    | { ok: false; reason: "not_found" | "already_rotated" } {
    const account = this.accounts.account();
    const old = account === null ? null : this.accounts.key(oldId, account.id);
    const now = this.clock.now();
    if (account === null || old === null || old.revoked_at !== null) {
      return { ok: false, reason: "not_found" };
    }
    // A rotated key's expiry is its grace period, not a lifetime its replacement should inherit;
    // an expired key has nothing left to hand over.
    if (old.rotated_at !== null || (old.expires_at !== null && old.expires_at <= now)) {
      return { ok: false, reason: "already_rotated" };
    }
    const graceEnds = now + graceSeconds * 1000;
    this.accounts.markRotated(
      oldId,
      now,
      old.expires_at === null ? graceEnds : Math.min(old.expires_at, graceEnds),
    );
    const key: KeyRecord = {
      ...replacement,
      account_id: account.id,
      scopes: old.scopes,
      name: old.name,
      expires_at: old.expires_at,
      revoked_at: null,
      rotated_at: null,
    };
    this.accounts.insertKey(key);
    return { ok: true, old: this.accounts.key(oldId, account.id) as KeyRecord, key, account };
  }

  // ---- deadlines ----------------------------------------------------------------------

  /** One alarm serves every deadline: pending/held slots and idempotency locks and records. */
  private scheduleAlarm(): void {
    const deadlines = [this.slots.nextDeadline(), this.idempotency.nextDeadline()].filter(
      (d): d is number => d !== null,
    );
    if (deadlines.length === 0) return;
    // Never less than a second ahead in real time, so a test clock cannot make it spin.
    const next = Math.max(Math.min(...deadlines), Date.now() + 1_000);
    if (this.alarmAt === null || next < this.alarmAt) {
      this.alarmAt = next;
      void this.ctx.storage.setAlarm(next);
    }
  }

  override async alarm(): Promise<void> {
    const now = this.clock.now();
    this.alarmAt = null;
    this.slots.expire(now);
    this.idempotency.expire(now);
    this.quota.prune(now);
    this.scheduleAlarm();
  }
}

function reject(rejection: Rejection, limits: LimitSnapshot | null): AdmissionResult {
  return { outcome: "rejected", rejection, limits };
}
