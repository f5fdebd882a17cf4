/**
 * The records of the gateway's own domain: accounts, their keys and the scopes a key holds.
 * Shared by the Worker, the admin API and the account's Durable Object, so plain data only.
 */

export type AccountStatus = "active" | "disabled" | "unverified";
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ["active", "disabled", "unverified"];

export const SCOPES = ["submissions:read", "submissions:write"] as const;
export type Scope = (typeof SCOPES)[number];

export interface AccountRecord {
  id: string;
  tier: string;
  status: AccountStatus;
  /** Milliseconds since the epoch. */
  created_at: number;
}

export interface KeyRecord {
  id: string;
  account_id: string;
  /** Lowercase hex SHA-256 of the key: the only form of a key that is stored. */
  digest: string;
  scopes: Scope[];
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  rotated_at: number | null;
}

/** Who is calling: the key's account, id, digest, scopes and tier. */
export interface Identity {
  accountId: string;
  keyId: string;
  keyDigest: string;
  scopes: Scope[];
  tier: string;
}
