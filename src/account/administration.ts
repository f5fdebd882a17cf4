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
}

/** The admin API's side of the object: the account row, its keys, and its live usage. */
export class Administration {
  constructor(private readonly stores: AdministrationStores) {}

  createAccount(
    input: { id: string; tier: string; status: AccountStatus },
    now: number,
  ): AccountCreateResult {
    const { accounts } = this.stores;
    if (accounts.account() !== null) return { ok: false, reason: "duplicate" };
    const account: AccountRecord = { ...input, created_at: now, limits: NO_ACCOUNT_LIMITS };
    accounts.createAccount(account);
    return { ok: true, account };
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
  updateAccount(patch: AccountPatch): { account: AccountRecord; keys: KeyRecord[] } | null {
    const { accounts } = this.stores;
    if (accounts.account() === null) return null;
    accounts.updateAccount(patch);
    const account = accounts.account() as AccountRecord;
    return { account, keys: accounts.keys(account.id) };
  }

  /** Adds a key; null when the account does not exist. */
  createKey(key: KeyRecord): { key: KeyRecord; account: AccountRecord } | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    if (account === null) return null;
    accounts.insertKey(key);
    return { key, account };
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

  updateKey(id: string, patch: KeyPatch): { key: KeyRecord; account: AccountRecord } | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    if (account === null || accounts.key(id, account.id) === null) return null;
    accounts.updateKey(id, patch);
    return { key: accounts.key(id, account.id) as KeyRecord, account };
  }

  revokeKey(id: string, now: number): { key: KeyRecord; account: AccountRecord } | null {
    const { accounts } = this.stores;
    const account = accounts.account();
    if (account === null || accounts.key(id, account.id) === null) return null;
    accounts.revokeKey(id, now);
    return { key: accounts.key(id, account.id) as KeyRecord, account };
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
    return { ok: true, old: accounts.key(oldId, account.id) as KeyRecord, key, account };
  }
}
