/**
 * The platform's published error catalogue (shared/seed/api-errors.txt) as code: every code the
 * gateway or the origin may answer, with its status and the default human-readable message.
 * `code` is the stable interface clients branch on; messages may change.
 */
export const ERROR_CATALOGUE = {
  invalid_parameter: { status: 400, message: "A query string parameter is malformed." },
  invalid_body: { status: 400, message: "The JSON body did not parse or did not match schema." },
  validation_failed: { status: 422, message: "A submission's parameters are inconsistent." },
  idempotency_key_mismatch: {
    status: 422,
    message: "The same Idempotency-Key was reused with a different request.",
  },
  missing_credentials: { status: 401, message: "No Authorization header." },
  invalid_credentials: {
    status: 401,
    message: "The key does not exist, was revoked, or has expired.",
  },
  account_disabled: { status: 401, message: "The owning account is disabled or unverified." },
  insufficient_credits: {
    status: 402,
    message: "Your credit balance is at or below the negative-balance cap.",
  },
  scope_required: {
    status: 403,
    message: "The key does not have the scope this endpoint needs.",
  },
  tier_limit_exceeded: {
    status: 403,
    message: "A submission parameter is above your tier's cap.",
  },
  forbidden: { status: 403, message: "The action is not allowed on this resource." },
  not_found: { status: 404, message: "The id does not exist or does not belong to your account." },
  state_conflict: {
    status: 409,
    message: "The submission cannot move from its current state to the requested one.",
  },
  duplicate_resource: { status: 409, message: "A resource with this name already exists." },
  idempotency_key_in_progress: {
    status: 409,
    message: "A request with the same Idempotency-Key is still being processed.",
  },
  rate_limited: { status: 429, message: "Per-minute rate limit hit." },
  capacity_exceeded: { status: 429, message: "Capacity exceeded." },
  too_many_active_api_requests: {
    status: 429,
    message: "You already have the maximum number of API submissions in flight.",
  },
  internal_error: { status: 500, message: "Something on our side broke." },
  service_unavailable: {
    status: 503,
    message: "The platform is temporarily over-loaded or in maintenance.",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, value);
}
