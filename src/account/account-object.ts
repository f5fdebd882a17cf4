import { DurableObject } from "cloudflare:workers";
import { type Clock, systemClock } from "../clock";
import { LeaseBank } from "../leases/lease-bank";
import type { AccountStatus, KeyRecord } from "../model/records";
import { AccountStore } from "./account-store";
import { Administration } from "./administration";
import { Admission } from "./admission";
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
} from "./contract";
import { DailyQuota } from "./daily-quota";
import { IdempotencyStore } from "./idempotency-store";
import { SqlLeaseLedger } from "./lease-ledger";
import { migrate } from "./schema";
import { Slots } from "./slots";

/**
 * One per account (named by the account id): its keys, its limits and its idempotency records,
 * in its own SQLite database. This class is the RPC surface and the alarm; the decisions live
 * in admission.ts, completion.ts and administration.ts. Everything the Worker's configuration
 * decides (the tiers, the lock length) comes in the call.
 */
export class AccountCoordinator extends DurableObject<unknown> {
  /** Replaced by tests (through runInDurableObject) to move time without sleeping. */
  clock: Clock = systemClock;
  private readonly slots: Slots;
  private readonly quota: DailyQuota;
  private readonly idempotency: IdempotencyStore;
  private readonly accounts: AccountStore;
  private bank!: LeaseBank;
  private admission!: Admission;
  private completion!: Completion;
  private administration!: Administration;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.accounts = new AccountStore(sql);
    this.slots = new Slots(sql);
    this.quota = new DailyQuota(sql);
    this.idempotency = new IdempotencyStore(sql);
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
      };
      this.admission = new Admission(stores);
      this.completion = new Completion(stores);
      this.administration = new Administration(stores);
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- request path -------------------------------------------------------------------

  admit(request: AdmissionRequest, terms: AccountTerms): AdmissionResult {
    const result = this.admission.admit(request, terms, this.clock.now());
    // Only slots and idempotency locks have deadlines; a plain read sets none.
    if (
      result.outcome === "admitted" &&
      (result.ticket.slotId !== null || result.ticket.idempotency !== null)
    ) {
      this.scheduleAlarm();
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

  releaseSubmission(submissionId: string, terms: Pick<AccountTerms, "lockMs">): boolean {
    const released = this.completion.releaseSubmission(submissionId, terms, this.clock.now());
    this.scheduleAlarm();
    return released;
  }

  // ---- admin --------------------------------------------------------------------------

  createAccount(input: { id: string; tier: string; status: AccountStatus }) {
    return this.administration.createAccount(input, this.clock.now());
  }

  getAccount(terms: Pick<AccountTerms, "tiers">) {
    return this.administration.getAccount(terms, this.clock.now());
  }

  updateAccount(patch: AccountPatch) {
    return this.administration.updateAccount(patch);
  }

  createKey(key: KeyRecord) {
    return this.administration.createKey(key);
  }

  getKey(id: string) {
    return this.administration.getKey(id);
  }

  listKeys() {
    return this.administration.listKeys();
  }

  updateKey(id: string, patch: KeyPatch) {
    return this.administration.updateKey(id, patch);
  }

  revokeKey(id: string) {
    return this.administration.revokeKey(id, this.clock.now());
  }

  rotateKey(
    oldId: string,
    replacement: Pick<KeyRecord, "id" | "digest" | "created_at">,
    graceSeconds: number,
  ) {
    return this.administration.rotateKey(oldId, replacement, graceSeconds, this.clock.now());
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
