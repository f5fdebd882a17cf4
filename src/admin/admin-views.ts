import type { AccountUsage } from "../account/contract";
import type { UsageBucket } from "../account/usage-ledger";
import type { AuditEntry, AuditSnapshot, AuditSnapshotJson } from "../audit/audit-entry";
import type { CredentialRecord } from "../directory/credential-store";
import type { AccountRecord, KeyRecord } from "../model/records";
import type { RecentRejection } from "../usage/usage-counts";

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

export function usageBucketView(bucket: UsageBucket) {
  return {
    start: rfc3339(bucket.start),
    admitted: bucket.admitted,
    units: bucket.units,
    rejected: bucket.rejected,
    origin: bucket.origin,
  };
}

export function rejectionView(rejection: RecentRejection) {
  return {
    at: rfc3339(rejection.at),
    request_id: rejection.requestId,
    code: rejection.code,
    status: rejection.status,
    key_id: rejection.keyId,
    method: rejection.method,
    path: rejection.path,
  };
}

/** An admin credential as listed: never its secret or digest. */
export function credentialView(credential: CredentialRecord) {
  return {
    id: credential.id,
    name: credential.name,
    scopes: credential.scopes,
    created_at: rfc3339(credential.created_at),
    revoked_at: rfc3339(credential.revoked_at),
  };
}

/** A stored snapshot with its times (`*_at` fields, kept as epoch ms) as RFC 3339. */
function snapshotView(snapshot: AuditSnapshotJson | null): AuditSnapshot | null {
  if (snapshot === null) return null;
  const view: AuditSnapshot = {};
  for (const [field, value] of Object.entries(JSON.parse(snapshot) as AuditSnapshot)) {
    view[field] = field.endsWith("_at") && typeof value === "number" ? rfc3339(value) : value;
  }
  return view;
}

export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    at: rfc3339(entry.at),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    account_id: entry.accountId,
    request_id: entry.requestId,
    before: snapshotView(entry.before),
    after: snapshotView(entry.after),
  };
}
