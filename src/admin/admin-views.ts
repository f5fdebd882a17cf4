import type { AccountUsage } from "../account/contract";
import type { AccountRecord, KeyRecord } from "../model/records";

/** Timestamps leave the gateway as RFC 3339 strings (contract 6a). */
export function rfc3339(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function accountView(account: AccountRecord, usage?: AccountUsage) {
  return {
    id: account.id,
    tier: account.tier,
    status: account.status,
    created_at: rfc3339(account.created_at),
    // The account's own limits (null: its tier's); usage shows the limits in force.
    limits: account.limits,
    ...(usage === undefined ? {} : { usage }),
  };
}

/** A key as the admin API shows it: never a secret, never the digest. */
export function keyView(key: KeyRecord) {
  return {
    id: key.id,
    account_id: key.account_id,
    scopes: key.scopes,
    name: key.name,
    created_at: rfc3339(key.created_at),
    expires_at: rfc3339(key.expires_at),
    revoked_at: rfc3339(key.revoked_at),
    rotated_at: rfc3339(key.rotated_at),
    limits: key.limits,
  };
}

/** The answer to key creation and rotation: the only time the plaintext is shown. */
export function issuedKeyView(key: KeyRecord, plaintext: string) {
  return {
    id: key.id,
    key: plaintext,
    account_id: key.account_id,
    scopes: key.scopes,
    name: key.name,
    created_at: rfc3339(key.created_at),
    expires_at: rfc3339(key.expires_at),
  };
}
