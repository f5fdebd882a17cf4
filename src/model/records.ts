/**
 * The records of the gateway's own domain: accounts, their keys and the scopes a key holds.
 * Shared by the Worker, the admin API and the account's Durable Object, so plain data only.
 */

export type AccountStatus = "active" | "disabled" | "unverified";
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ["active", "disabled", "unverified"];

/** A scope a key holds: one the route document declares (`x-gateway.scopes`). */
export type Scope = string;

/** An account's own limits, each in force instead of its tier's (null: the tier's). */
export interface AccountLimits {
  per_minute: number | null;
  in_flight: number | null;
  per_day: number | null;
}

export const NO_ACCOUNT_LIMITS: AccountLimits = Object.freeze({
  per_minute: null,
  in_flight: null,
  per_day: null,
});

/** A key's own limit, in force beside its account's (null: none). */
export interface KeyLimits {
  per_minute: number | null;
}

export const NO_KEY_LIMITS: KeyLimits = Object.freeze({ per_minute: null });

export interface AccountRecord {
  id: string;
  tier: string;
  status: AccountStatus;
  /** Milliseconds since the epoch. */
  created_at: number;
  limits: AccountLimits;
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
  limits: KeyLimits;
}

/** Who is calling: the key's account, id, digest, scopes and tier. */
export interface Identity {
  accountId: string;
  keyId: string;
  keyDigest: string;
  scopes: Scope[];
  tier: string;
}
