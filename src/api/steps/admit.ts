import { accountStub, accountTerms } from "../../account/client";
import type { AdmissionResult } from "../../account/contract";
import { tierPolicyOf } from "../../config/policy";
import type { GatewayError } from "../../errors/gateway-error";
import type { Identity } from "../../model/records";
import type { ApiRequest } from "../api-request";
import { admissionRefusal, rateLimited, storeUnavailable } from "../refusals";
import { replayResponse } from "../replay";
import type { PipelineDeps, StepVerdict } from "./step";

/**
 * Step 5: one call to the account's Durable Object decides everything stateful at once. An
 * account this isolate knows to be at its limit is refused here without the call (a request
 * with an Idempotency-Key still goes, since its stored answer is replayed even then). When the
 * object cannot be reached, requests that create, carry an Idempotency-Key or need a slot fail
 * closed; plain reads pass on an isolate-local limiter, and the log line says so.
 */
export function admit(req: ApiRequest, deps: PipelineDeps): StepVerdict | Promise<StepVerdict> {
  const caller = req.caller as Identity;
  const { memory, clock } = deps;
  if (req.idempotency === null) {
    const full = memory.rateLimited.knownFull(caller.accountId, clock.now());
    if (full !== null) {
      req.limits = {
        tier: caller.tier,
        minute: {
          limit: full.limit,
          remaining: 0,
          resetSeconds: Math.max(1, Math.ceil(full.retryInMs / 1000)),
        },
      };
      return rateLimited(full.limit, full.retryInMs, "known at the edge");
    }
  }
  const { route } = req;
  let call: Promise<AdmissionResult>;
  try {
    call = accountStub(req.env.ACCOUNTS, caller.accountId).admit(
      {
        keyId: caller.keyId,
        keyDigest: caller.keyDigest,
        requiredScope: route.scope,
        takesSlot: route.kind === "create_submission",
        idempotency: req.idempotency,
        requestId: req.requestId,
        submissionId: route.submissionId,
      },
      accountTerms(req.config),
    );
  } catch (err) {
    return unreachable(req, deps, err);
  }
  return call.then(
    (result) => settle(req, deps, result),
    (err: unknown) => unreachable(req, deps, err),
  );
}

function settle(req: ApiRequest, deps: PipelineDeps, result: AdmissionResult): StepVerdict {
  const caller = req.caller as Identity;
  const now = deps.clock.now();
  if (result.limits !== null) {
    req.limits = result.limits;
    deps.memory.limits.remember(caller.accountId, result.limits, now);
  }
  if (result.outcome === "refused") {
    const { refusal } = result;
    if (refusal.reason === "rate_limited") {
      deps.memory.rateLimited.remember(caller.accountId, now + refusal.retryInMs, refusal.limit);
    }
    return admissionRefusal(refusal);
  }
  if (result.outcome === "replay") {
    req.decision = "replayed";
    return replayResponse(result.response);
  }
  req.caller = { ...caller, scopes: result.scopes, tier: result.tier };
  req.ticket = result.ticket;
  req.watchSubmission = result.watchSubmission;
  req.decision = "admitted";
  return undefined;
}

function unreachable(req: ApiRequest, deps: PipelineDeps, err: unknown): GatewayError | undefined {
  const caller = req.caller as Identity;
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const plainRead = (req.method === "GET" || req.method === "HEAD") && req.idempotency === null;
  if (!plainRead) return storeUnavailable("limiter_unavailable", reason);
  const tier = tierPolicyOf(req.config.policy.tiers, caller.tier);
  if (!deps.memory.fallback.tryAdmit(caller.accountId, tier.per_minute, deps.clock.now())) {
    return rateLimited(tier.per_minute, 60_000, `fallback limiter; ${reason}`);
  }
  // The request's own log line records the pass (decision "fail_open") and why.
  req.decision = "fail_open";
  req.reason = reason;
  // Nothing is known about held slots: watch a get or cancel in case it frees one.
  req.watchSubmission = req.route.submissionId !== null;
  return undefined;
}
