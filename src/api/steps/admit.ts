import { type AccountStub, accountStub, accountTerms } from "../../account/client";
import type { AdmissionResult, LeaseAnswer, LeaseResult } from "../../account/contract";
import { tierPolicyOf } from "../../config/policy";
import type { GatewayError } from "../../errors/gateway-error";
import type { KeyLeases } from "../../isolate/lease-book";
import type { LeaseCall, LeaseOutcome } from "../../leases/lease-client";
import { planRead, type ReadStep } from "../../leases/plain-read";
import type { Identity } from "../../model/records";
import { describeFault } from "../../observability/fault";
import type { ApiRequest } from "../api-request";
import { admissionRefusal, rateLimited, scopeRequired, storeUnavailable } from "../refusals";
import { replayResponse } from "../replay";
import type { PipelineDeps, StepVerdict } from "./step";

/**
 * Step 5: the account's Durable Object decides everything stateful at once, in one call. A
 * plain read of a busy key is admitted from this isolate's lease instead, with no call
 * (contract section 9). An account this isolate knows to be at its limit is refused here
 * without the call (a request with an Idempotency-Key still goes, since its stored answer is
 * replayed even then). When the object cannot be reached, requests that create, carry an
 * Idempotency-Key or need a slot fail closed; plain reads pass on leases they hold, then on an
 * isolate-local limiter, and the log line says so.
 */
export function admit(req: ApiRequest, deps: PipelineDeps): StepVerdict | Promise<StepVerdict> {
  const caller = req.caller as Identity;
  const { memory, clock } = deps;
  if (req.idempotency === null) {
    const now = clock.now();
    const full = memory.rateLimited.knownFull(caller.accountId, caller.keyId, now);
    if (full !== null) {
      const last = memory.limits.recall(caller.keyId, now);
      req.limits = {
        tier: caller.tier,
        policy: last?.policy ?? policyOf(req, full.limit),
        minute: {
          limit: full.limit,
          remaining: 0,
          resetSeconds: Math.max(1, Math.ceil(full.retryInMs / 1000)),
        },
      };
      return rateLimited(full.limit, full.scope, full.retryInMs, "known at the edge");
    }
  }
  if (isPlainRead(req)) {
    const leases = memory.leases.get(caller.accountId, caller.keyId, caller.keyDigest);
    return plainRead(req, deps, leases, planRead(leases.client, clock.now(), req.cost));
  }
  return settledCall(req, deps, callAdmit(req, null));
}

/** A GET or HEAD without an Idempotency-Key, on a route that takes no slot and no quota. */
function isPlainRead(req: ApiRequest): boolean {
  return (
    (req.method === "GET" || req.method === "HEAD") &&
    req.idempotency === null &&
    !req.startsJob &&
    !req.takesDailyQuota
  );
}

/** The limits the tier sets, for answers made before the object said what is in force. */
function policyOf(req: ApiRequest, perMinute: number) {
  const tier = tierPolicyOf(req.config.policy.tiers, (req.caller as Identity).tier);
  return { per_minute: perMinute, per_day: tier.per_day, in_flight: tier.in_flight };
}

function stubOf(req: ApiRequest): AccountStub {
  return accountStub(req.env.ACCOUNTS, (req.caller as Identity).accountId);
}

/** The one admission call; a stub that throws is the same as a call that fails. */
function callAdmit(req: ApiRequest, lease: LeaseCall | null): Promise<AdmissionResult> {
  const caller = req.caller as Identity;
  try {
    return stubOf(req).admit(
      {
        keyId: caller.keyId,
        keyDigest: caller.keyDigest,
        requiredScope: req.operation?.scope ?? null,
        takesSlot: req.startsJob,
        takesDailyQuota: req.takesDailyQuota,
        idempotency: req.idempotency,
        requestId: req.requestId,
        submissionId: req.route.jobId,
        units: req.cost,
        lease: lease?.ask ?? null,
      },
      accountTerms(req.config),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

function settledCall(
  req: ApiRequest,
  deps: PipelineDeps,
  call: Promise<AdmissionResult>,
): Promise<StepVerdict> {
  return call.then(
    (result) => settle(req, deps, result),
    (err: unknown) => unreachable(req, deps, err),
  );
}

function plainRead(
  req: ApiRequest,
  deps: PipelineDeps,
  leases: KeyLeases,
  step: ReadStep,
): StepVerdict | Promise<StepVerdict> {
  const now = deps.clock.now();
  switch (step.kind) {
    case "leased": {
      // The lease was granted after the object checked the key, its account and its scopes.
      const required = req.operation?.scope ?? null;
      if (required !== null && !leases.scopes.includes(required)) return scopeRequired(required);
      const caller = req.caller as Identity;
      req.caller = { ...caller, scopes: [...leases.scopes], tier: leases.tier };
      req.limits = leases.snapshot(step.remaining, now);
      req.watchSubmission = leases.watches(req.route.jobId);
      req.decision = "admitted";
      runBackground(req, deps, leases);
      return undefined;
    }
    case "full": {
      const limit =
        leases.limits?.minute.limit ??
        tierPolicyOf(req.config.policy.tiers, (req.caller as Identity).tier).per_minute;
      req.limits = leases.snapshot(0, now);
      return rateLimited(
        limit,
        leases.fullScope,
        step.retryInMs,
        "the object said the window is full",
      );
    }
    case "wait":
      return (leases.pending ?? Promise.resolve()).then(() =>
        plainRead(req, deps, leases, planRead(leases.client, deps.clock.now(), req.cost, false)),
      );
    case "call": {
      const call = callAdmit(req, step.call);
      track(deps, leases, call, step.call, (result) => ({
        admitted: result.outcome === "admitted",
        ...leasePart(result.lease),
      }));
      return settledCall(req, deps, call).then((verdict) => {
        runBackground(req, deps, leases);
        return verdict;
      });
    }
  }
}

function leasePart(answer: LeaseAnswer | null): Omit<LeaseOutcome, "admitted"> {
  return answer === null
    ? { grant: null, full: false, retryInMs: 0 }
    : { grant: answer.grant, full: answer.full, retryInMs: answer.retryInMs };
}

/**
 * Settles a lease call into the key's client when it is answered (or fails), and keeps it as
 * the call reads wait for meanwhile.
 */
function track<T extends AdmissionResult | LeaseResult>(
  deps: PipelineDeps,
  leases: KeyLeases,
  call: Promise<T>,
  sent: LeaseCall,
  outcome: (result: T) => LeaseOutcome,
): void {
  deps.memory.leases.touch(leases);
  const pending = call.then(
    (result) => {
      const now = deps.clock.now();
      leases.client.settle(sent, outcome(result), now);
      if (result.outcome === "admitted" || result.outcome === "answered") {
        leases.learn(
          {
            scopes: result.scopes,
            tier: result.tier,
            limits: result.limits,
            ...(result.lease === null
              ? {}
              : { jobs: result.lease.jobs, fullScope: result.lease.fullScope }),
          },
          now,
        );
      }
    },
    () => leases.client.failed(sent),
  );
  leases.pending = pending;
  void pending.then(() => {
    if (leases.pending === pending) leases.pending = null;
  });
}

/**
 * Renewals and due reports, off the request path: this key's, and now and then those of keys
 * gone quiet in this isolate (they have no requests of their own to carry them).
 */
function runBackground(req: ApiRequest, deps: PipelineDeps, leases: KeyLeases): void {
  const now = deps.clock.now();
  startBackground(req, deps, leases, now);
  for (const other of deps.memory.leases.due(now)) {
    if (other !== leases) startBackground(req, deps, other, now);
  }
}

function startBackground(req: ApiRequest, deps: PipelineDeps, key: KeyLeases, now: number): void {
  const call = key.client.background(now);
  if (call === null) return;
  let lease: Promise<LeaseResult>;
  try {
    lease = accountStub(req.env.ACCOUNTS, key.accountId).lease(
      { keyId: key.keyId, keyDigest: key.keyDigest, lease: call.ask },
      accountTerms(req.config),
    );
  } catch (err) {
    lease = Promise.reject(err);
  }
  track(deps, key, lease, call, (result) => ({
    admitted: false,
    ...leasePart(result.outcome === "answered" ? result.lease : null),
  }));
  req.ctx.waitUntil(lease.then(NOTHING, NOTHING));
}

const NOTHING = (): undefined => undefined;

function settle(req: ApiRequest, deps: PipelineDeps, result: AdmissionResult): StepVerdict {
  const caller = req.caller as Identity;
  req.countedByObject = true;
  const now = deps.clock.now();
  if (result.limits !== null) {
    req.limits = result.limits;
    deps.memory.limits.remember(caller.keyId, result.limits, now);
  }
  if (result.outcome === "refused") {
    const { refusal } = result;
    if (refusal.reason === "rate_limited") {
      deps.memory.rateLimited.remember(caller.accountId, caller.keyId, refusal, now);
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
  const reason = describeFault(err);
  if (!isPlainRead(req)) return storeUnavailable("limiter_unavailable", reason);
  const tier = tierPolicyOf(req.config.policy.tiers, caller.tier);
  if (!deps.memory.fallback.tryAdmit(caller.accountId, tier.per_minute, deps.clock.now())) {
    return rateLimited(tier.per_minute, "account", 60_000, `fallback limiter; ${reason}`);
  }
  // The request's own log line records the pass (decision "fail_open") and why.
  req.decision = "fail_open";
  req.reason = reason;
  // Nothing is known about held slots: watch a get or cancel in case it frees one.
  req.watchSubmission = req.route.jobId !== null;
  return undefined;
}
