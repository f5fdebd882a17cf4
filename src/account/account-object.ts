import { DurableObject } from "cloudflare:workers";
import type { AuditEntry, AuditFilter, AuditStamp } from "../audit/audit-entry";
import { AuditStore } from "../audit/audit-store";
import { type Clock, systemClock } from "../clock";
import { type DirectoryStub, directoryStub } from "../directory/client";
import type { AdminDirectory } from "../directory/directory-object";
import { LeaseBank } from "../leases/lease-bank";
import type { AccountStatus, KeyRecord } from "../model/records";
import { describeFault } from "../observability/fault";
import type { RecentRejection } from "../usage/usage-counts";
import { AccountStore } from "./account-store";
import { Administration } from "./administration";
import { Admission } from "./admission";
import { AUDIT_RETRY_MS, AuditOutbox } from "./audit-outbox";
import { PersistedWindows } from "./bank-windows";
import { Completion } from "./completion";
import type {
  AccountPatch,
  AccountTerms,
  AdmissionRequest,
  AdmissionResult,
  AdmissionTicket,
  KeyPatch,
  LeaseRequest,
  LeaseResult,
  OriginOutcome,
  UsageBatchPayload,
} from "./contract";
import { DailyQuota } from "./daily-quota";
import { IdempotencyStore } from "./idempotency-store";
import { SqlLeaseLedger } from "./lease-ledger";
import { REFUSAL_CODES } from "./refusal-codes";
import { migrate } from "./schema";
import { Slots } from "./slots";
import { type UsageBucket, UsageLedger, type UsageQuery } from "./usage-ledger";

/**
 * One per account (named by the account id): its keys, its limits and its idempotency records,
 * in its own SQLite database. This class is the RPC surface and the alarm; the decisions live
 * in admission.ts, completion.ts and administration.ts. Everything the Worker's configuration
 * decides (the tiers, the lock length) comes in the call.
 */
/** What the object reads of the Worker's bindings: the admin directory, for the audit copy. */
interface AccountObjectEnv {
  DIRECTORY?: DurableObjectNamespace<AdminDirectory>;
}

export class AccountCoordinator extends DurableObject<AccountObjectEnv> {
  /** Replaced by tests (through runInDurableObject) to move time without sleeping. */
  clock: Clock = systemClock;
  /** Where audit entries are copied; replaced by tests to make the directory fail. */
  directory: () => DirectoryStub | null = () =>
    this.env.DIRECTORY === undefined ? null : directoryStub(this.env.DIRECTORY);
  private readonly slots: Slots;
  private readonly quota: DailyQuota;
  private readonly idempotency: IdempotencyStore;
  private readonly accounts: AccountStore;
  private readonly usage: UsageLedger;
  private readonly audit: AuditStore;
  private readonly outbox: AuditOutbox;
  private bank!: LeaseBank;
  private admission!: Admission;
  private completion!: Completion;
  private administration!: Administration;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: AccountObjectEnv) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.accounts = new AccountStore(sql);
    this.slots = new Slots(sql);
    this.quota = new DailyQuota(sql);
    this.idempotency = new IdempotencyStore(sql);
    this.usage = new UsageLedger(sql);
    this.audit = new AuditStore(sql);
    this.outbox = new AuditOutbox(sql);
    ctx.blockConcurrencyWhile(async () => {
      migrate(sql);
      const ledger = new SqlLeaseLedger(sql);
      this.bank = new LeaseBank(
        new PersistedWindows(sql, this.clock.now()),
        ledger,
        ledger.restore(),
        () => crypto.randomUUID(),
      );
      const stores = {
        accounts: this.accounts,
        bank: this.bank,
        slots: this.slots,
        quota: this.quota,
        idempotency: this.idempotency,
        audit: this.audit,
      };
      this.admission = new Admission(stores);
      this.completion = new Completion(stores);
      this.administration = new Administration(stores);
      this.alarmAt = await ctx.storage.getAlarm();
      // Entries a copy failed for before this object last stopped: the alarm sends them.
      if (this.outbox.pending().length > 0) {
        this.outbox.retryAt = this.clock.now();
        this.scheduleAlarm();
      }
    });
  }

  // ---- request path -------------------------------------------------------------------

  admit(request: AdmissionRequest, terms: AccountTerms): AdmissionResult {
    const now = this.clock.now();
    const result = this.admission.admit(request, terms, now);
    // What the object decides it counts itself, in this same call (contract section 11).
    if (result.outcome === "admitted") {
      this.usage.admitted(request.keyId, Math.max(1, request.units), now);
      // Only slots and idempotency locks have near deadlines; usage needs some alarm set.
      if (result.ticket.slotId !== null || result.ticket.idempotency !== null) {
        this.scheduleAlarm();
      } else {
        this.ensureAlarm();
      }
    } else if (result.outcome === "refused") {
      this.usage.rejected(request.keyId, REFUSAL_CODES[result.refusal.reason], now);
      this.ensureAlarm();
    }
    return result;
  }

  /** A lease call that carries no request: a renewal, or reports only (section 9). */
  lease(request: LeaseRequest, terms: AccountTerms): LeaseResult {
    return this.admission.lease(request, terms, this.clock.now());
  }

  complete(ticket: AdmissionTicket, outcome: OriginOutcome): void {
    this.completion.complete(ticket, outcome, this.clock.now());
    this.scheduleAlarm();
  }

  /** A job read or end that shows the submission is over (the proxy saw it). */
  releaseSubmission(submissionId: string, terms: Pick<AccountTerms, "lockMs">): boolean {
    const released = this.completion.releaseSubmission(submissionId, terms, this.clock.now());
    this.scheduleAlarm();
    return released;
  }

  /** The admin call (`POST .../release`): the same release, audited with its answer. */
  adminReleaseSubmission(
    submissionId: string,
    terms: Pick<AccountTerms, "lockMs">,
    stamp: AuditStamp,
  ): Promise<{ released: boolean; audit: AuditEntry }> {
    const now = this.clock.now();
    const released = this.completion.releaseSubmission(submissionId, terms, now);
    const audit = this.administration.auditRelease(submissionId, released, now, stamp);
    this.scheduleAlarm();
    return this.audited({ released, audit });
  }

  // ---- usage (contract section 11) -----------------------------------------------------

  /** What isolates counted (edge rejections, leased admissions, origin answers), in a batch. */
  recordUsage(batch: UsageBatchPayload): void {
    // An object with no account stores nothing for it (a stale edge copy cannot create one).
    if (this.accounts.account() === null) return;
    for (const delta of batch.deltas) this.usage.add(delta);
    this.usage.addRecentRejections(batch.rejections);
    this.ensureAlarm();
  }

  /** Null when the account does not exist. */
  queryUsage(query: UsageQuery): UsageBucket[] | null {
    if (this.accounts.account() === null) return null;
    return this.usage.query(query);
  }

  recentRejections(limit: number): RecentRejection[] | null {
    if (this.accounts.account() === null) return null;
    return this.usage.recentRejections(limit);
  }

  // ---- admin --------------------------------------------------------------------------

  createAccount(input: { id: string; tier: string; status: AccountStatus }, stamp: AuditStamp) {
    return this.audited(this.administration.createAccount(input, this.clock.now(), stamp));
  }

  getAccount(terms: Pick<AccountTerms, "tiers">) {
    return this.administration.getAccount(terms, this.clock.now());
  }

  updateAccount(patch: AccountPatch, stamp: AuditStamp) {
    return this.audited(this.administration.updateAccount(patch, this.clock.now(), stamp));
  }

  createKey(key: KeyRecord, stamp: AuditStamp) {
    return this.audited(this.administration.createKey(key, this.clock.now(), stamp));
  }

  getKey(id: string) {
    return this.administration.getKey(id);
  }

  listKeys() {
    return this.administration.listKeys();
  }

  updateKey(id: string, patch: KeyPatch, stamp: AuditStamp) {
    return this.audited(this.administration.updateKey(id, patch, this.clock.now(), stamp));
  }

  revokeKey(id: string, stamp: AuditStamp) {
    return this.audited(this.administration.revokeKey(id, this.clock.now(), stamp));
  }

  /** This account's audit log (null: no such account). */
  queryAudit(filter: AuditFilter): AuditEntry[] | null {
    if (this.accounts.account() === null) return null;
    return this.audit.query(filter);
  }

  rotateKey(
    oldId: string,
    replacement: Pick<KeyRecord, "id" | "digest" | "created_at">,
    graceSeconds: number,
    stamp: AuditStamp,
  ) {
    return this.audited(
      this.administration.rotateKey(oldId, replacement, graceSeconds, this.clock.now(), stamp),
    );
  }

  /**
   * After a mutation (its audit entry written in the same call): the entry is copied to the
   * admin directory before the answer, so a query by actor sees it; a copy that fails is sent
   * again by the alarm. Some alarm is set for the entry's retention either way.
   */
  private async audited<T>(result: T): Promise<T> {
    await this.copyAudit();
    this.ensureAlarm();
    return result;
  }

  /** Sends the entries the directory does not have yet; on failure, retries from the alarm. */
  private async copyAudit(): Promise<void> {
    const directory = this.directory();
    const pending = this.outbox.pending();
    if (directory === null || pending.length === 0) return;
    try {
      await directory.appendAudit(pending);
      this.outbox.markCopied(pending);
      this.outbox.retryAt = null;
    } catch (err) {
      console.error(
        JSON.stringify({
          event: "audit_copy_failed",
          entries: pending.length,
          reason: describeFault(err),
        }),
      );
      this.outbox.retryAt = this.clock.now() + AUDIT_RETRY_MS;
      this.scheduleAlarm();
    }
  }

  // ---- deadlines ----------------------------------------------------------------------

  /**
   * One alarm serves every deadline: pending/held slots, idempotency locks and records, usage
   * past its retention. Scheduling is cheap when an earlier alarm is already set (no I/O).
   */
  private scheduleAlarm(): void {
    const deadlines = [
      this.slots.nextDeadline(),
      this.idempotency.nextDeadline(),
      this.usage.nextDeadline(),
      this.audit.nextDeadline(),
      this.outbox.retryAt,
    ].filter((d): d is number => d !== null);
    if (deadlines.length === 0) return;
    // Never less than a second ahead in real time, so a test clock cannot make it spin.
    const next = Math.max(Math.min(...deadlines), Date.now() + 1_000);
    if (this.alarmAt === null || next < this.alarmAt) {
      this.alarmAt = next;
      void this.ctx.storage.setAlarm(next);
    }
  }

  /** Usage's deadline is far off: any alarm already set reschedules it when it runs. */
  private ensureAlarm(): void {
    if (this.alarmAt === null) this.scheduleAlarm();
  }

  override async alarm(): Promise<void> {
    const now = this.clock.now();
    this.alarmAt = null;
    this.slots.expire(now);
    this.idempotency.expire(now);
    this.quota.prune(now);
    this.usage.prune(now);
    this.audit.prune(now);
    if (this.outbox.retryAt !== null && this.outbox.retryAt <= now) {
      this.outbox.retryAt = null;
      await this.copyAudit();
    }
    this.scheduleAlarm();
  }
}
