import { type AuditEntry, type AuditStamp, auditEntry } from "../audit/audit-entry";
import type { AuditStore } from "../audit/audit-store";
import type { LeaseBank } from "../leases/lease-bank";
import {
  type AccountRecord,
  type AccountStatus,
  type KeyRecord,
  NO_ACCOUNT_LIMITS,
} from "../model/records";
import type { AccountStore } from "./account-store";
import type {
  AccountCreateResult,
  AccountPatch,
  AccountTerms,
  AccountUsage,
  KeyPatch,
  RotationResult,
} from "./contract";
import { type DailyQuota, utcDay } from "./daily-quota";
import { limitsInForce } from "./limits-in-force";
import type { Slots } from "./slots";

export interface AdministrationStores {
  accounts: AccountStore;
  bank: LeaseBank;
  slots: Slots;
  quota: DailyQuota;
  audit: AuditStore;
}

/**
 * The admin API's side of the object: the account row, its keys, and its live usage. Every
 * mutation writes its audit entry in the same call (it is returned, for the directory's copy).
 */
export class Administration {
  constructor(private readonly stores: AdministrationStores) {}

  private audited(entry: AuditEntry): AuditEntry {
    this.stores.audit.append(entry);
    return entry;
  }

  /** A change's entry, or null when the call changed nothing (nothing to audit). */
  private changed(entry: AuditEntry): AuditEntry | null {
    return entry.before === entry.after ? null : this.audited(entry);
  }

  createAccount(
    input: { id: string; tier: string; status: AccountStatus },
    now: number,
    stamp: AuditStamp,
  ): AccountCreateResult {
    const { accounts } = this.stores;
    if (accounts.account() !== null) return { ok: false, reason: "duplicate" };
    const account: AccountRecord = { ...input, created_at: now, limits: NO_ACCOUNT_LIMITS };
    accounts.createAccount(account);
    const audit = this.audited(
      auditEntry(stamp, now, "account.create", account.id, account.id, null, account),
    );
    return { ok: true, account, audit, revision: this.stores.audit.revision() };
  }

  getAccount(
    terms: Pick<AccountTerms, "tiers">,
    now: number,
  ): { account: AccountRecord; usage: AccountUsage } | null {
    const { accounts, bank, slots, quota } = this.stores;
    const account = accounts.account();
    if (account === null) return null;
    const inForce = limitsInForce(terms.tiers, account, null);
    return {
      account,
      usage: {
        minute: { used: bank.usedByAccount(now), limit: inForce.per_minute },
        daily: { used: quota.used(utcDay(now)), limit: inForce.per_day },
        active: {
          used: slots.used(now),
          limit: inForce.in_flight,
          submissions: slots.heldSubmissions(),
        },
      },
    };
  }

  /** Returns the account and its keys, so the caller can refresh the edge copies. */
  updateAccount(patch: AccountPatch, now: number, stamp: AuditStamp): AccountChange | null {
    const { accounts } = this.stores;
    const before = accounts.account();
    if (before === null) return null;
    accounts.updateAccount(patch);
    const account = accounts.account() as AccountRecord;
    const audit = this.changed(
      auditEntry(stamp, now, "account.update", account.id, account.id, before, account),
    );
    return {
      account,
      keys: accounts.keys(account.id),
      audit,
      revision: this.stores.audit.revision(),
    };
  }

  /** Adds a key; null when the account does not exist. */
  createKey(key: KeyRecord, now: number, stamp: AuditStamp): KeyChange | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    if (account === null) return null;
    accounts.insertKey(key);
    const audit = this.audited(auditEntry(stamp, now, "key.create", key.id, account.id, null, key));
    return { key, account, audit };
  }

  getKey(id: string): KeyRecord | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    return account === null ? null : accounts.key(id, account.id);
  }

  listKeys(): KeyRecord[] | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    return account === null ? null : accounts.keys(account.id);
  }

  updateKey(id: string, patch: KeyPatch, now: number, stamp: AuditStamp): KeyChange | null {
    return this.changeKey(id, "key.update", now, stamp, () =>
      this.stores.accounts.updateKey(id, patch),
    );
  }

  /** Revoking a revoked key keeps its first revocation: no change, so no entry. */
  revokeKey(id: string, now: number, stamp: AuditStamp): KeyChange | null {
    return this.changeKey(id, "key.revoke", now, stamp, () =>
      this.stores.accounts.revokeKey(id, now),
    );
  }

  /** One change to an existing key, audited with the key before and after; null: no such key. */
  private changeKey(
    id: string,
    action: "key.update" | "key.revoke",
    now: number,
    stamp: AuditStamp,
    change: () => void,
  ): KeyChange | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    const before = account === null ? null : accounts.key(id, account.id);
    if (account === null || before === null) return null;
    change();
    const key = accounts.key(id, account.id) as KeyRecord;
    const audit = this.changed(auditEntry(stamp, now, action, id, account.id, before, key));
    return { key, account, audit };
  }

  /** Records an admin release of a submission's slot (whether one was held or not). */
  auditRelease(submissionId: string, released: boolean, now: number, stamp: AuditStamp) {
    const account = this.stores.accounts.account();
    return this.audited(
      auditEntry(stamp, now, "submission.release", submissionId, account?.id ?? null, null, {
        released,
      }),
    );
  }

  /**
   * Issues `replacement` with the old key's scopes and name; the old key keeps working until
   * `now + graceSeconds` (or its own earlier expiry).
   */
  rotateKey(
    oldId: string,
    replacement: Pick<KeyRecord, "id" | "digest" | "created_at">,
    graceSeconds: number,
    now: number,
    stamp: AuditStamp,
  ): RotationResult {
    const { accounts } = this.stores;
    const account = accounts.account();
    const old = account === null ? null : accounts.key(oldId, account.id);
    if (account === null || old === null || old.revoked_at !== null) {
      return { ok: false, reason: "not_found" };
    }
    // A rotated key's expiry is its grace period, not a lifetime its replacement should inherit;
    // an expired key has nothing left to hand over.
    if (old.rotated_at !== null || (old.expires_at !== null && old.expires_at <= now)) {
      return { ok: false, reason: "already_rotated" };
    }
    const graceEnds = now + graceSeconds * 1000;
    accounts.markRotated(
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
      limits: old.limits,
    };
    accounts.insertKey(key);
    const rotated = accounts.key(oldId, account.id) as KeyRecord;
    const audit = this.audited(
      auditEntry(stamp, now, "key.rotate", oldId, account.id, old, {
        ...rotated,
        replaced_by: key.id,
      }),
    );
    return { ok: true, old: rotated, key, account, audit };
  }
}

/** A key as changed, its account (for the edge copy), and the change's audit entry (null: none). */
export interface KeyChange {
  key: KeyRecord;
  account: AccountRecord;
  audit: AuditEntry | null;
}

/**
 * An account as changed, with its keys (for the edge copies), the change's audit entry (null:
 * the call changed nothing) and its revision (the listing keeps the newest it was given).
 */
export interface AccountChange {
  account: AccountRecord;
  keys: KeyRecord[];
  audit: AuditEntry | null;
  revision: number;
}
