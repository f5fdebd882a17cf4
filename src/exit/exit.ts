import type { LimitSnapshot } from "../account/contract";
import type { GatewayConfig } from "../config/config";
import { tierPolicyOf } from "../config/policy";
import { renderErrorResponse } from "../errors/envelope";
import { GatewayError } from "../errors/gateway-error";
import type { LimitsCache } from "../isolate/limits-cache";
import { describeFault } from "../observability/fault";
import { writeRequestLog } from "../observability/request-log";
import { rateLimitPolicy, rateLimitState } from "./rate-limit-headers";

/** What the exit needs to know about a request, whichever way it came (API or gateway paths). */
export interface ExitContext {
  readonly method: string;
  readonly rawPath: string;
  readonly requestId: string;
  readonly started: number;
  /** Empty until a step decides; the log line's `decision`. */
  decision: string;
  reason: string | null;
  originMs: number | null;
  /** The caller as far as it is known, for the log line. */
  caller: { readonly accountId: string; readonly keyId: string; readonly tier: string } | null;
  /** The caller's key passed the edge checks: the answer carries the RateLimit headers. */
  usable: boolean;
  /** The limiter state this request saw (null: the isolate's last view of the account). */
  limits: LimitSnapshot | null;
}

/**
 * The one exit: every answer the gateway gives, refusal or not, leaves through here. It renders
 * a refusal as the envelope (with Retry-After, WWW-Authenticate), puts X-Request-Id on every
 * answer and the RateLimit headers on every authenticated one, and writes the request's log
 * line. Anything that is not a GatewayError is a fault: logged in full, answered with a bare
 * `internal_error`.
 */
export function exit(
  call: ExitContext,
  outcome: Response | GatewayError | unknown,
  config: GatewayConfig | null,
  limitsCache: LimitsCache | null,
  now: number,
): Response {
  let response: Response;
  let code: string | null = null;
  if (outcome instanceof Response) {
    response = outcome;
    response.headers.set("X-Request-Id", call.requestId);
  } else {
    const error = outcome instanceof GatewayError ? outcome : internalError(call, outcome);
    code = error.code;
    // A step that refused says why (maintenance, shed...); anything else refused is "rejected".
    if (call.decision === "") call.decision = "rejected";
    if (error.internalReason !== undefined) call.reason = error.internalReason;
    response = renderErrorResponse(error, call.requestId, call.method === "HEAD");
  }
  if (call.usable && call.caller !== null && config !== null && response.status !== 401) {
    setRateLimitHeaders(response, call, config, limitsCache, now, code);
  }
  writeRequestLog({
    requestId: call.requestId,
    method: call.method,
    path: call.rawPath,
    status: response.status,
    code,
    accountId: call.caller?.accountId ?? null,
    keyId: call.caller?.keyId ?? null,
    decision: call.decision,
    totalMs: now - call.started,
    originMs: call.originMs,
    reason: call.reason,
  });
  return response;
}

/**
 * RateLimit-Policy and RateLimit. The state is the object's own when this request reached it,
 * else the last one this isolate saw, else a full window.
 */
function setRateLimitHeaders(
  response: Response,
  call: ExitContext,
  config: GatewayConfig,
  limitsCache: LimitsCache | null,
  now: number,
  code: string | null,
): void {
  const caller = call.caller as NonNullable<ExitContext["caller"]>;
  const known = call.limits ?? limitsCache?.recall(caller.keyId, now) ?? null;
  const inForce = known?.policy ?? tierPolicyOf(config.policy.tiers, caller.tier);
  const minute = known?.minute ?? {
    limit: inForce.per_minute,
    remaining: inForce.per_minute,
    resetSeconds: 0,
  };
  response.headers.set("RateLimit-Policy", rateLimitPolicy(inForce));
  // A 429 says none remaining, but for a per-minute refusal the object decided for this
  // request: the window counts units, and a cost that did not fit may leave some for a
  // cheaper request, which it reports.
  const unitsLeft = code === "rate_limited" && call.limits !== null;
  response.headers.set(
    "RateLimit",
    rateLimitState(response.status === 429 && !unitsLeft ? { ...minute, remaining: 0 } : minute),
  );
}

/** A fault inside the gateway, logged in full; the wire gets a bare `internal_error`. */
export function internalError(call: Pick<ExitContext, "requestId">, fault: unknown): GatewayError {
  const described = describeFault(fault);
  console.error(
    JSON.stringify({ request_id: call.requestId, event: "internal_error", error: described }),
  );
  return new GatewayError("internal_error", { internalReason: described });
}
