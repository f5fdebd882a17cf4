import type { AdmissionRefusal } from "../account/contract";
import { GatewayError } from "../errors/gateway-error";
import type { Scope } from "../model/records";

/**
 * Every refusal the API path gives that is not decided by a parser, in the catalogue's words:
 * the one place `rate_limited`, `service_unavailable` and the admission refusals are built.
 */

const scopeRefusals = new Map<Scope, GatewayError>();

/** The 403 for a missing scope; one per scope, since it carries nothing of the request. */
export function scopeRequired(scope: Scope): GatewayError {
  let refusal = scopeRefusals.get(scope);
  if (refusal === undefined) {
    refusal = Object.freeze(
      new GatewayError("scope_required", {
        message: `This endpoint requires the ${scope} scope.`,
        details: { required_scope: scope },
      }),
    );
    scopeRefusals.set(scope, refusal);
  }
  return refusal;
}

/** 429 `rate_limited`: which limit refused (`limit_scope`: the account's or the key's own). */
export function rateLimited(
  limit: number,
  scope: "account" | "key",
  retryInMs: number,
  internalReason?: string,
) {
  return new GatewayError("rate_limited", {
    details: { limit, window_s: 60, limit_scope: scope },
    retryAfter: Math.max(1, Math.ceil(retryInMs / 1000)),
    ...(internalReason === undefined ? {} : { internalReason }),
  });
}

/** A store the gateway needs is down: a transient outage, never a verdict on the request. */
export function storeUnavailable(
  reason: "limiter_unavailable" | "key_store_unavailable",
  internalReason: string,
): GatewayError {
  return new GatewayError("service_unavailable", {
    message: "The service is temporarily unavailable.",
    details: { reason },
    retryAfter: 1,
    internalReason,
  });
}

const MAINTENANCE_RETRY_SECONDS = 60;

export function inMaintenance(): GatewayError {
  return new GatewayError("service_unavailable", {
    message: "The platform is in maintenance.",
    details: { reason: "maintenance" },
    retryAfter: MAINTENANCE_RETRY_SECONDS,
  });
}

/** The account's object's reason, as the catalogue answers it (exhaustive over the reasons). */
export function admissionRefusal(refusal: AdmissionRefusal): GatewayError {
  switch (refusal.reason) {
    case "key_invalid":
      return new GatewayError("invalid_credentials", { internalReason: "refused by the account" });
    case "account_disabled":
      return new GatewayError("account_disabled");
    case "scope_missing":
      return scopeRequired(refusal.scope);
    case "idempotency_mismatch":
      return new GatewayError("idempotency_key_mismatch");
    case "idempotency_in_progress":
      return new GatewayError("idempotency_key_in_progress", {
        retryAfter: Math.max(1, Math.ceil(refusal.retryInMs / 1000)),
      });
    case "rate_limited":
      return rateLimited(refusal.limit, refusal.scope, refusal.retryInMs);
    case "slots_full":
      return new GatewayError("too_many_active_api_requests", {
        details: { used: refusal.used, limit: refusal.limit },
        // A polling hint: a slot frees when a submission finishes.
        retryAfter: 1,
      });
    case "daily_quota":
      return new GatewayError("capacity_exceeded", {
        message: "The daily submission quota is used up.",
        details: { reason: "daily_quota", used: refusal.used, limit: refusal.limit },
        retryAfter: Math.max(1, Math.ceil(refusal.retryInMs / 1000)),
      });
  }
}
