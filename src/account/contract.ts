/**
 * The contract between the Worker and the account's Durable Object (AccountCoordinator):
 * everything that crosses the RPC boundary, so plain structured-clonable data. The object
 * answers with reasons; the Worker owns every word on the wire (api/refusals.ts).
 */
import type { AuditEntry } from "../audit/audit-entry";
import type { TierPolicy } from "../config/policy";
import type { LeaseAsk, LeaseGrant } from "../leases/lease-terms";
import type {
  AccountLimits,
  AccountRecord,
  AccountStatus,
  KeyLimits,
  KeyRecord,
  Scope,
} from "../model/records";
import type { RecentRejection, UsageDelta } from "../usage/usage-counts";

/**
 * What the object needs from the Worker's configuration, given in each call rather than read
 * from a private copy of the environment: the tiers' limits and how long a pending slot or an
 * idempotency lock lives (the origin timeout plus a margin).
 */
export interface AccountTerms {
  tiers: Readonly<Record<string, TierPolicy>>;
  lockMs: number;
}

/** What the RateLimit headers are built from: the limits in force and the window's state. */
export interface LimitSnapshot {
  tier: string;
  /** The limits in force for this caller (its account's overrides and key's own included). */
  policy: { per_minute: number; per_day: number; in_flight: number };
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
  /** A job start (a submission create) takes an in-flight slot. */
  takesSlot: boolean;
  /** It takes a unit of the daily quota (given back when the origin does not answer 2xx). */
  takesDailyQuota: boolean;
  idempotency: IdempotencyClaim | null;
  requestId: string;
  /** The id of a job read or end: the object says whether its end could free a slot. */
  submissionId: string | null;
  /** Units of the per-minute window the request costs. */
  units: number;
  /** A plain read's call may also carry its key's lease reports and ask for a lease. */
  lease: LeaseAsk | null;
}

/** A lease call that carries no request: a renewal, or reports only. */
export interface LeaseRequest {
  keyId: string;
  keyDigest: string;
  lease: LeaseAsk;
}

/** What the object says of a lease ask (contract section 9). */
export interface LeaseAnswer {
  grant: LeaseGrant | null;
  /** The window had no room for all that was asked (or for the request): nothing is free. */
  full: boolean;
  retryInMs: number;
  /** When full: whose limit it is (the account's, or the key's own). */
  fullScope: "account" | "key";
  /** Held submissions and whether a create is pending: a leased job read may free a slot. */
  jobs: { held: string[]; pending: boolean };
}

/** What the Worker reports back after the origin answered, so the object can finish. */
export interface AdmissionTicket {
  slotId: string | null;
  /** UTC day charged for the daily quota, or null when nothing was charged. */
  quotaDay: string | null;
  idempotency: { key: string; claimId: string } | null;
  /** How long a created submission's slot is held at most (its tier's max_submission_seconds). */
  holdMs: number;
}

export interface StoredResponse {
  status: number;
  /** Header name → value, as Headers iteration yields them (duplicates already joined). */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Why the object refused; a refusal consumed nothing. */
export type AdmissionRefusal =
  | { reason: "key_invalid" }
  | { reason: "account_disabled" }
  | { reason: "scope_missing"; scope: Scope }
  | { reason: "idempotency_mismatch" }
  | { reason: "idempotency_in_progress"; retryInMs: number }
  | { reason: "rate_limited"; limit: number; scope: "account" | "key"; retryInMs: number }
  | { reason: "slots_full"; used: number; limit: number }
  | { reason: "daily_quota"; used: number; limit: number; retryInMs: number };

export type AdmissionResult =
  | {
      outcome: "admitted";
      ticket: AdmissionTicket;
      /** Watch the answer for the submission's end (a slot holds it, or a create is pending). */
      watchSubmission: boolean;
      scopes: Scope[];
      tier: string;
      limits: LimitSnapshot;
      lease: LeaseAnswer | null;
    }
  | {
      outcome: "refused";
      refusal: AdmissionRefusal;
      limits: LimitSnapshot | null;
      lease: LeaseAnswer | null;
    }
  | { outcome: "replay"; response: StoredResponse; limits: LimitSnapshot; lease: null };

/** The answer to a lease call that carries no request. */
export type LeaseResult =
  | {
      outcome: "answered";
      lease: LeaseAnswer;
      scopes: Scope[];
      tier: string;
      limits: LimitSnapshot;
    }
  | { outcome: "refused"; refusal: AdmissionRefusal };

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
  | { ok: true; account: AccountRecord; audit: AuditEntry; revision: number }
  | { ok: false; reason: "duplicate" };

export interface KeyPatch {
  scopes?: Scope[];
  name?: string | null;
  expires_at?: number | null;
  limits?: KeyLimits;
}

export interface AccountPatch {
  tier?: string;
  status?: AccountStatus;
  /** Merged into the account's: a field given replaces it, null returns it to the tier's. */
  limits?: Partial<AccountLimits>;
}

export type RotationResult =
  | { ok: true; old: KeyRecord; key: KeyRecord; account: AccountRecord; audit: AuditEntry }
  | { ok: false; reason: "not_found" | "already_rotated" };

/** What an isolate sends of one account's usage, at least every 10 s (isolate/usage-batch.ts). */
export interface UsageBatchPayload {
  deltas: UsageDelta[];
  rejections: RecentRejection[];
}
