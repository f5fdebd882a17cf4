// The admin API's answers as the console reads them (README "Admin API", GATEWAY.md sections 4
// and 11). Written from the API's contract, not imported from the Worker: the page is a client
// of the API like any other, and this file is all it assumes about it.

/** RFC 3339 UTC, e.g. "2026-12-02T10:00:00.000Z". */
export type Timestamp = string;

/** GET /_gateway/admin/whoami: who the credential is and what it may do. */
export interface Whoami {
  /** "bootstrap" for ADMIN_TOKEN, else the admin credential's id. */
  actor: string;
  scopes: string[];
  /** The scopes keys may be given (the route document's); when absent the form takes text. */
  key_scopes?: string[];
  /** The policy's tier names; when absent the tier is typed. */
  tiers?: string[];
}

export const WRITE_SCOPE = "admin:write";

export type AccountStatus = "active" | "disabled" | "unverified";
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ["active", "disabled", "unverified"];

/** An account's own limits; null means its tier's. */
export interface AccountLimits {
  per_minute: number | null;
  per_day: number | null;
  in_flight: number | null;
}

export interface AccountUsage {
  minute: { used: number; limit: number };
  daily: { used: number; limit: number };
  active: { used: number; limit: number; submissions: string[] };
}

export interface Account {
  id: string;
  tier: string;
  status: AccountStatus;
  created_at: Timestamp;
  limits: AccountLimits;
  /** Only on GET /accounts/{id}: the live usage and the limits in force. */
  usage?: AccountUsage;
}

export interface AccountPage {
  data: Account[];
  next_cursor: string | null;
}

export interface Key {
  id: string;
  account_id: string;
  scopes: string[];
  name: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  rotated_at: Timestamp | null;
  limits: { per_minute: number | null };
}

/** POST /keys and POST /keys/{id}/rotate: the only answers that carry the secret. */
export interface IssuedKey {
  id: string;
  key: string;
  account_id: string;
  scopes: string[];
  name: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
}

export type Granularity = "minute" | "hour" | "day";

/** One bucket of GET /accounts/{id}/usage; empty buckets are left out. */
export interface UsageBucket {
  start: Timestamp;
  admitted: number;
  units: number;
  /** Rejections by error code. */
  rejected: Record<string, number>;
  /** The origin's answers by class ("2xx", "4xx"...). */
  origin: Record<string, number>;
}

export interface Rejection {
  at: Timestamp;
  request_id: string;
  code: string;
  status: number;
  key_id: string | null;
  method: string;
  path: string;
}

export interface AuditEntry {
  id: string;
  at: Timestamp;
  actor: string;
  action: string;
  target: string;
  account_id: string | null;
  request_id: string;
  before: unknown;
  after: unknown;
}

export interface List<T> {
  data: T[];
}

/** The platform's error envelope. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    details: Record<string, unknown>;
    request_id: string;
  };
}
