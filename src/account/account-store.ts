import {
  type AccountLimits,
  type AccountRecord,
  type AccountStatus,
  type KeyLimits,
  type KeyRecord,
  NO_ACCOUNT_LIMITS,
  NO_KEY_LIMITS,
  type Scope,
} from "../model/records";
import type { AccountPatch, KeyPatch } from "./contract";

interface KeyRow extends Record<string, SqlStorageValue> {
  id: string;
  digest: string;
  scopes: string;
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  rotated_at: number | null;
  limits: string | null;
}

/**
 * The authoritative account row and its keys. KV holds a copy for the edge's fast lookup; this
 * is what admission checks, so revocation and disabling take effect on the next request.
 */
export class AccountStore {
  // Every read and write of these rows goes through this one object (the account's Durable
  // Object is single-threaded), so an in-memory copy stays exact; writes drop it.
  private cachedAccount: AccountRecord | null | undefined;
  private readonly cachedKeys = new Map<string, KeyRecord | null>();

  constructor(private readonly sql: SqlStorage) {}

  private invalidate(): void {
    this.cachedAccount = undefined;
    this.cachedKeys.clear();
  }

  account(): AccountRecord | null {
    if (this.cachedAccount === undefined) this.cachedAccount = this.readAccount();
    return this.cachedAccount;
  }

  private readAccount(): AccountRecord | null {
    const row = this.sql
      .exec<{
        id: string;
        tier: string;
        status: string;
        created_at: number;
        limits: string | null;
      }>("SELECT id, tier, status, created_at, limits FROM account LIMIT 1")
      .toArray()[0];
    if (row === undefined) return null;
    return {
      id: row.id,
      tier: row.tier,
      status: row.status as AccountStatus,
      created_at: row.created_at,
      limits:
        row.limits === null
          ? NO_ACCOUNT_LIMITS
          : { ...NO_ACCOUNT_LIMITS, ...(JSON.parse(row.limits) as Partial<AccountLimits>) },
    };
  }

  createAccount(account: AccountRecord): void {
    this.invalidate();
    this.sql.exec(
      "INSERT INTO account (id, tier, status, created_at, limits) VALUES (?, ?, ?, ?, ?)",
      account.id,
      account.tier,
      account.status,
      account.created_at,
      JSON.stringify(account.limits),
    );
  }

  updateAccount(patch: AccountPatch): void {
    this.invalidate();
    if (patch.tier !== undefined) this.sql.exec("UPDATE account SET tier = ?", patch.tier);
    if (patch.status !== undefined) this.sql.exec("UPDATE account SET status = ?", patch.status);
    if (patch.limits !== undefined) {
      const current = this.readAccount()?.limits ?? NO_ACCOUNT_LIMITS;
      this.sql.exec(
        "UPDATE account SET limits = ?",
        JSON.stringify({ ...current, ...patch.limits }),
      );
    }
  }

  private toKey(row: KeyRow, accountId: string): KeyRecord {
    return {
      id: row.id,
      account_id: accountId,
      digest: row.digest,
      scopes: JSON.parse(row.scopes) as Scope[],
      name: row.name,
      created_at: row.created_at,
      expires_at: row.expires_at,
      revoked_at: row.revoked_at,
      rotated_at: row.rotated_at,
      limits:
        row.limits === null
          ? NO_KEY_LIMITS
          : { ...NO_KEY_LIMITS, ...(JSON.parse(row.limits) as Partial<KeyLimits>) },
    };
  }

  key(id: string, accountId: string): KeyRecord | null {
    const cached = this.cachedKeys.get(id);
    if (cached !== undefined) return cached;
    const row = this.sql.exec<KeyRow>("SELECT * FROM api_keys WHERE id = ?", id).toArray()[0];
    const key = row === undefined ? null : this.toKey(row, accountId);
    // Bounded: an account has few keys, but ids probed by a caller are cached too.
    if (this.cachedKeys.size >= 1000) this.cachedKeys.clear();
    this.cachedKeys.set(id, key);
    return key;
  }

  keys(accountId: string): KeyRecord[] {
    return this.sql
      .exec<KeyRow>("SELECT * FROM api_keys ORDER BY created_at, id")
      .toArray()
      .map((row) => this.toKey(row, accountId));
  }

  insertKey(key: KeyRecord): void {
    this.invalidate();
    this.sql.exec(
      `INSERT INTO api_keys (id, digest, scopes, name, created_at, expires_at, revoked_at, limits)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      key.id,
      key.digest,
      JSON.stringify(key.scopes),
      key.name,
      key.created_at,
      key.expires_at,
      key.revoked_at,
      JSON.stringify(key.limits),
    );
  }

  updateKey(id: string, patch: KeyPatch): void {
    this.invalidate();
    if (patch.scopes !== undefined) {
      this.sql.exec(
        "UPDATE api_keys SET scopes = ? WHERE id = ?",
        JSON.stringify(patch.scopes),
        id,
      );
    }
    if (patch.name !== undefined)
      this.sql.exec("UPDATE api_keys SET name = ? WHERE id = ?", patch.name, id);
    if (patch.expires_at !== undefined) {
      this.sql.exec("UPDATE api_keys SET expires_at = ? WHERE id = ?", patch.expires_at, id);
    }
    if (patch.limits !== undefined) {
      this.sql.exec(
        "UPDATE api_keys SET limits = ? WHERE id = ?",
        JSON.stringify(patch.limits),
        id,
      );
    }
  }

  markRotated(id: string, now: number, expiresAt: number | null): void {
    this.invalidate();
    this.sql.exec(
      "UPDATE api_keys SET rotated_at = ?, expires_at = ? WHERE id = ?",
      now,
      expiresAt,
      id,
    );
  }

  revokeKey(id: string, now: number): void {
    this.invalidate();
    this.sql.exec(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
      now,
      id,
    );
  }
}
