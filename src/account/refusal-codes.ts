import type { ErrorCode } from "../errors/catalogue";
import type { AdmissionRefusal } from "./contract";

/**
 * The catalogue code each refusal is answered with: the object counts its refusals by code in
 * usage (contract section 11) without writing any of the answer's text. api/refusals.ts builds
 * the answers; a test holds the two to the same codes.
 */
export const REFUSAL_CODES: Readonly<Record<AdmissionRefusal["reason"], ErrorCode>> = {
  key_invalid: "invalid_credentials",
  account_disabled: "account_disabled",
  scope_missing: "scope_required",
  idempotency_mismatch: "idempotency_key_mismatch",
  idempotency_in_progress: "idempotency_key_in_progress",
  rate_limited: "rate_limited",
  slots_full: "too_many_active_api_requests",
  daily_quota: "capacity_exceeded",
};
