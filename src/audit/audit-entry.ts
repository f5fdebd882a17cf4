/**
 * One admin mutation as the audit log keeps it (contract section 11): when, who (an admin
 * credential's id, or "bootstrap" for ADMIN_TOKEN), what, on what, and the resource before and
 * after as stored records with every secret and digest taken out.
 */
export const AUDIT_ACTIONS = [
  "account.create",
  "account.update",
  "key.create",
  "key.update",
  "key.revoke",
  "key.rotate",
  "submission.release",
  "credential.create",
  "credential.revoke",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The actor of ADMIN_TOKEN, the bootstrap credential. */
export const BOOTSTRAP_ACTOR = "bootstrap";

/** Audit entries are kept this long (section 11). */
export const AUDIT_RETENTION_MS = 90 * 86_400_000;

/** Who made an admin call, and which request: given to every mutation. */
export interface AuditStamp {
  actor: string;
  requestId: string;
}

export type AuditSnapshot = Record<string, unknown>;

/** A snapshot as it crosses RPC and is stored: its JSON text. */
export type AuditSnapshotJson = string;

export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  action: AuditAction;
  /** The id of the account, key, credential or submission acted on. */
  target: string;
  accountId: string | null;
  requestId: string;
  before: AuditSnapshotJson | null;
  after: AuditSnapshotJson | null;
}

export interface AuditFilter {
  accountId: string | null;
  actor: string | null;
  from: number;
  to: number;
  limit: number;
}

/** Fields that never enter the log, whatever record they come from. */
const NEVER_LOGGED = new Set(["digest", "secret", "key", "token"]);

/** A record as the log may keep it: its JSON without any secret or digest. */
export function snapshot(record: object): AuditSnapshotJson {
  const kept: AuditSnapshot = {};
  for (const [field, value] of Object.entries(record)) {
    if (!NEVER_LOGGED.has(field)) kept[field] = value;
  }
  return JSON.stringify(kept);
}

export function auditEntry(
  stamp: AuditStamp,
  at: number,
  action: AuditAction,
  target: string,
  accountId: string | null,
  before: object | null,
  after: object | null,
): AuditEntry {
  return {
    id: crypto.randomUUID(),
    at,
    actor: stamp.actor,
    action,
    target,
    accountId,
    requestId: stamp.requestId,
    before: before === null ? null : snapshot(before),
    after: after === null ? null : snapshot(after),
  };
}
