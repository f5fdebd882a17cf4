import { createMiddleware } from "hono/factory";
import { accountStub } from "../account/account-client";
import { FallbackLimiter } from "../account/fallback-limiter";
import { RateLimitedMemo } from "../account/rate-limited-memo";
import type { LimitsCache } from "../account/ratelimit-headers";
import type { AdmissionResult, Rejection } from "../account/types";
import type { Clock } from "../clock";
import { tierPolicyOf } from "../config/policy";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { replayResponse } from "../proxy/replay";

function toError(rejection: Rejection): GatewayError {
  return new GatewayError(rejection.code, {
    ...(rejection.message === undefined ? {} : { message: rejection.message }),
    details: rejection.details,
    ...(rejection.retryAfter === undefined ? {} : { retryAfter: rejection.retryAfter }),
  });
}

function limiterUnavailable(reason: string): GatewayError {
  return new GatewayError("service_unavailable", {
    message: "The service is temporarily unavailable.",
    details: { reason: "limiter_unavailable" },
    retryAfter: 1,
    internalReason: reason,
  });
}

/**
 * Step 5: one call to the account's Durable Object decides everything stateful at once. When the
 * object cannot be reached, requests that create, carry an Idempotency-Key or need a slot fail
 * closed; plain reads pass on an isolate-local limiter, and the log line says so.
 */
export function admit(
  clock: Clock,
  limitsCache: LimitsCache,
  rateLimited429s = new RateLimitedMemo(),
  fallback = new FallbackLimiter(),
) {
  return createMiddleware<AppEnv>(async function admitMiddleware(c, next) {
    const identity = c.get("identity");
    const route = c.get("route");
    const idempotency = c.get("idempotency");
    const log = c.get("log");
    // An account known to be at its limit is answered here; a request with an Idempotency-Key
    // still goes to the object, since its stored answer is replayed even then.
    const known =
      idempotency === null
        ? rateLimited429s.refusal(identity.accountId, identity.tier, clock.now())
        : null;
    if (known !== null) {
      c.set("limits", known.limits);
      throw known.error;
    }
    const isCreate = route.kind === "create_submission";
    let result: AdmissionResult;
    try {
      result = await accountStub(c.env, identity.accountId).admit({
        keyId: identity.keyId,
        keyDigest: identity.keyDigest,
        requiredScope: route.scope,
        isCreate,
        idempotency,
        requestId: c.get("requestId"),
        submissionId:
          route.kind === "get_submission" || route.kind === "cancel_submission"
            ? route.submissionId
            : null,
      });
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const plainRead = (c.req.method === "GET" || c.req.method === "HEAD") && idempotency === null;
      if (!plainRead) throw limiterUnavailable(reason);
      const tier = tierPolicyOf(c.get("config").policy, identity.tier);
      if (!fallback.tryAdmit(identity.accountId, tier.per_minute, clock.now())) {
        throw new GatewayError("rate_limited", {
          details: { limit: tier.per_minute, window_s: 60 },
          retryAfter: 60,
          internalReason: `fallback limiter; ${reason}`,
        });
      }
      // The request's own log line records the pass (decision "fail_open") and why.
      log.decision = "fail_open";
      log.reason = reason;
      c.set("ticket", null);
      // Nothing is known about held slots: watch a get or cancel in case it frees one.
      c.set("watchSubmission", route.submissionId !== null);
      await next();
      return;
    }

    if (result.limits !== null) {
      c.set("limits", result.limits);
      limitsCache.remember(identity.accountId, result.limits, clock.now());
    }
    if (result.outcome === "rejected") {
      const { rejection } = result;
      if (rejection.code === "rate_limited" && rejection.retryInMs !== undefined) {
        const limit = Number(rejection.details.limit);
        rateLimited429s.remember(identity.accountId, clock.now() + rejection.retryInMs, limit);
      }
      throw toError(result.rejection);
    }
    if (result.outcome === "replay") {
      log.decision = "replayed";
      c.res = replayResponse(result.response);
      return;
    }
    c.set("identity", { ...identity, scopes: result.scopes, tier: result.tier });
    c.set("ticket", result.ticket);
    c.set("watchSubmission", result.watchSubmission);
    log.decision = "admitted";
    await next();
  });
}
