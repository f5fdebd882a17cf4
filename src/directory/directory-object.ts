import { DurableObject } from "cloudflare:workers";
import type { AuditEntry, AuditFilter, AuditStamp } from "../audit/audit-entry";
import { auditEntry } from "../audit/audit-entry";
import { AuditStore } from "../audit/audit-store";
import { type Clock, systemClock } from "../clock";
import { constantTimeEqual } from "../keys/constant-time";
import type { AccountRecord } from "../model/records";
import { AccountIndex } from "./account-index";
import { type CredentialRecord, CredentialStore } from "./credential-store";
import { migrateDirectory } from "./directory-schema";

/** What a verified credential may do. */
export interface VerifiedCredential {
  id: string;
  scopes: CredentialRecord["scopes"];
}

/**
 * The admin API's one shared object (named "directory"): admin credentials, the index of
 * accounts for listing, and the audit log indexed by actor. Only admin calls reach it; the
 * API's request path never does.
 */
export class AdminDirectory extends DurableObject<unknown> {
  /** Replaced by tests (through runInDurableObject) to move time without sleeping. */
  clock: Clock = systemClock;
  private readonly credentials: CredentialStore;
  private readonly accounts: AccountIndex;
  private readonly audit: AuditStore;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.credentials = new CredentialStore(sql);
    this.accounts = new AccountIndex(sql);
    this.audit = new AuditStore(sql);
    ctx.blockConcurrencyWhile(async () => migrateDirectory(sql));
  }

  // ---- credentials ----------------------------------------------------------------------

  /** Read on every admin call made with a credential: a revocation binds on the next one. */
  verifyCredential(id: string, digest: string): VerifiedCredential | null {
    const found = this.credentials.get(id);
    if (found === null || found.revoked_at !== null) return null;
    if (!constantTimeEqual(found.digest, digest)) return null;
    return { id: found.id, scopes: found.scopes };
  }

  createCredential(record: CredentialRecord, stamp: AuditStamp): CredentialRecord {
    this.credentials.insert(record);
    this.record(
      auditEntry(stamp, this.clock.now(), "credential.create", record.id, null, null, record),
    );
    return record;
  }

  listCredentials(): CredentialRecord[] {
    return this.credentials.list();
  }

  /** Null for an unknown id; revoking twice keeps the first time. */
  revokeCredential(id: string, stamp: AuditStamp): CredentialRecord | null {
    const before = this.credentials.get(id);
    if (before === null) return null;
    const now = this.clock.now();
    this.credentials.revoke(id, now);
    const after = this.credentials.get(id) as CredentialRecord;
    if (before.revoked_at === null) {
      this.record(auditEntry(stamp, now, "credential.revoke", id, null, before, after));
    }
    return after;
  }

  // ---- accounts -------------------------------------------------------------------------

  indexAccount(account: AccountRecord, revision: number): void {
    this.accounts.put(account, revision);
  }

  listAccounts(prefix: string, limit: number, cursor: string | null): AccountRecord[] {
    return this.accounts.list(prefix, limit, cursor);
  }

  // ---- audit ----------------------------------------------------------------------------

  /** Copies of entries an account's object recorded with its mutations (kept once, by id). */
  appendAudit(entries: readonly AuditEntry[]): void {
    for (const entry of entries) this.audit.append(entry);
    void this.scheduleRetention();
  }

  queryAudit(filter: AuditFilter): AuditEntry[] {
    return this.audit.query(filter);
  }

  private record(entry: AuditEntry): void {
    this.audit.append(entry);
    void this.scheduleRetention();
  }

  private async scheduleRetention(): Promise<void> {
    const due = this.audit.nextDeadline();
    if (due === null) return;
    const set = await this.ctx.storage.getAlarm();
    if (set === null) await this.ctx.storage.setAlarm(Math.max(due, Date.now() + 1_000));
  }

  override async alarm(): Promise<void> {
    this.audit.prune(this.clock.now());
    await this.scheduleRetention();
  }
}
