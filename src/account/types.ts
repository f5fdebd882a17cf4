/**
 * The contract between the Worker and the account's Durable Object (AccountCoordinator).
 * Everything here crosses the RPC boundary, so it is plain structured-clonable data.
 */
import type { ErrorCode } from "../errors/catalogue";
import type { ErrorDetails } from "../errors/gateway-error";

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
  digest: string;
  scopes: Scope[];
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  rotated_at: number | null;
}

/** What the RateLimit header is built from: the per-minute window's state. */
export interface LimitSnapshot {
  tier: string;
  minute: { limit: number; remaining: number; resetSeconds: number };
}

export interface IdempotencyClaim {
  key: string;
  fingerprint: string;
}

export interface AdmissionRequest {
  keyId: string;
  keyDigest: string;
  /** The scope the route needs, re-checked against the authoritative key. */
  requiredScope: Scope | null;
  /** A submission create takes an in-flight slot and a unit of daily quota. */
  isCreate: boolean;
  idempotency: IdempotencyClaim | null;
  requestId: string;
  /** The id of a get or cancel: the object says whether its end could free a slot. */
  submissionId: string | null;
}

/** What the Worker must report back after the origin answered, so the DO can finish. */
export interface AdmissionTicket {
  slotId: string | null;
  /** UTC day charged for the daily quota, or null when nothing was charged. */
  quotaDay: string | null;
  idempotency: { key: string; claimId: string } | null;
}

export interface StoredResponse {
  status: number;
  /** Header name → value, as Headers iteration yields them (duplicates already joined). */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface Rejection {
  code: ErrorCode;
  message?: string;
  details: ErrorDetails;
  retryAfter?: number;
  /** For `rate_limited`: exactly when (from now) the window has room again. */
  retryInMs?: number;
}

export type AdmissionResult =
  | {
      outcome: "admitted";
      ticket: AdmissionTicket;
      /** Watch the answer for the submission's end (a slot holds it, or a create is pending). */
      watchSubmission: boolean;
      scopes: Scope[];
      tier: string;
      limits: LimitSnapshot;
    }
  | { outcome: "rejected"; rejection: Rejection; limits: LimitSnapshot | null }
  | { outcome: "replay"; response: StoredResponse; limits: LimitSnapshot };

/** How the origin exchange ended, as far as completion cares. */
export type OriginOutcome =
  | {
      kind: "answered";
      status: number;
      /** The submission id of a 2xx create, when its body carried one as a string. */
      submissionId: string | null;
      /** The answer to store for idempotent replay; null when it must not be stored. */
      storable: StoredResponse | null;
    }
  /**
   * The origin may or may not have executed the request: a timeout, a connection refused or
   * lost (workerd cannot tell those apart), or an answer that could not be read to its end.
   * Everything stays as admitted (slot pending, key in progress, quota charged) until the
   * deadlines set at admission.
   */
  | { kind: "unknown" };

export interface AccountUsage {
  minute: { used: number; limit: number };
  daily: { used: number; limit: number };
  active: { used: number; limit: number; submissions: string[] };
}

export type AccountCreateResult =
  | { ok: true; account: AccountRecord }
  | { ok: false; reason: "duplicate" };
