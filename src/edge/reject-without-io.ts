import type { RateLimitedMemo } from "../account/rate-limited-memo";
import type { LimitsCache } from "../account/ratelimit-headers";
import { setRateLimitHeaders } from "../account/ratelimit-headers";
import type { LimitSnapshot } from "../account/types";
import type { Clock } from "../clock";
import { configFor, type GatewayConfig } from "../config/config";
import type { Bindings } from "../env";
import { renderErrorResponse } from "../errors/envelope";
import { GatewayError } from "../errors/gateway-error";
import { bearerToken } from "../keys/bearer-token";
import { KeyDirectory, type KeyDirectoryEntry } from "../keys/key-directory";
import { digestApiKey } from "../keys/key-format";
import { usableKey } from "../keys/key-standing";
import { scopeRefusal } from "../middleware/authorize-scope";
import { requestIdFor } from "../middleware/request-id";
import { writeRequestLog } from "../observability/request-log";
import { breakerFor } from "../proxy/origin-breaker";
import { rawPathOf } from "../routes/raw-path";
import { matchRoute } from "../routes/route-table";
import { headerValueRefusal } from "../validation/header-values";
import { validateListQuery } from "../validation/list-query";

/** What the lane shares with the full chain: the isolate's limiter state. */
export interface EdgeMemory {
  limitsCache: LimitsCache;
  rateLimited: RateLimitedMemo;
}

/** The key behind an authenticated refusal, for its log line and RateLimit headers. */
interface Caller {
  entry: KeyDirectoryEntry;
  /** RateLimit headers go on answers to a usable key only (as in the chain). */
  usable: boolean;
  limits: LimitSnapshot | null;
}

/**
 * The edge's synchronous lane, in front of the router: rejections decidable from the request
 * and this isolate's memory alone (no KV, no Durable Object, no await), answered without the
 * router and its middleware, which cost several times the answer itself. In the contract's order
 * (section 5) and with the same envelope, headers and log line as the chain:
 *
 *   missing or malformed key ............................ 401
 *   key this isolate looked up in the last few seconds:
 *     unknown, revoked or expired ....................... 401
 *     account disabled .................................. 401 account_disabled
 *     route needs a scope the key lacks ................. 403
 *     invalid list query ................................ 400
 *   bodiless GET of an account known to be at its limit .. 429 (origin not pausing)
 *
 * Anything else — a gateway path in any spelling, maintenance, a key not looked up recently, a
 * body to read, an Idempotency-Key — returns null and takes the full chain, which also decides
 * everything above by itself. test/worker/edge-lane.test.ts holds both to the same answers.
 */
export function edgeLane(clock: Clock, memory: EdgeMemory) {
  return function rejectWithoutIo(request: Request, env: Bindings): Response | null {
    try {
      return decide(request, env, clock, memory);
    } catch {
      // The lane only ever shortens the way: whatever it cannot handle (a binding missing from a
      // misconfigured deployment, say), the chain handles and answers in the envelope.
      return null;
    }
  };
}

/** The lane's answer, or null to leave the request to the chain. */
function decide(
  request: Request,
  env: Bindings,
  clock: Clock,
  memory: EdgeMemory,
): Response | null {
  const started = clock.now();
  // HEAD answers carry no body; the router strips it, so HEAD takes the full chain.
  if (request.method === "HEAD") return null;
  const url = request.url;
  const path = rawPathOf(url);
  // Gateway paths (and anything percent-encoded, which might spell one) take the full way.
  if (path.includes("%") || path.toLowerCase().includes("gateway")) return null;
  // A bad configuration throws here: the chain answers it.
  const config = configFor(env);
  if (config.maintenance) return null;
  const refusal: Refusal = { request, path, config, started, caller: null };

  const token = bearerToken(request.headers.get("Authorization"), config.policy.key_prefix);
  if (token instanceof GatewayError) return refuse(token, refusal, clock, memory);
  const entry = new KeyDirectory(env.KEYS).peek(digestApiKey(token), started);
  if (entry === undefined) return null;
  const key = usableKey(entry, started);
  if (key instanceof GatewayError) {
    refusal.caller = entry === null ? null : { entry, usable: false, limits: null };
    return refuse(key, refusal, clock, memory);
  }
  refusal.caller = { entry: key, usable: true, limits: null };

  const query = url.indexOf("?");
  const route = matchRoute(request.method, path, query === -1 ? "" : url.slice(query));
  const missingScope = scopeRefusal(route.scope, key.scopes);
  if (missingScope !== null) return refuse(missingScope, refusal, clock, memory);
  if (route.kind === "list_submissions") {
    try {
      validateListQuery(route.search);
    } catch (error) {
      if (error instanceof GatewayError) return refuse(error, refusal, clock, memory);
      throw error;
    }
  }

  // A 429 known here precedes only what a bodiless GET still has to pass: its header values
  // and the origin breaker (which sheds, or lets a probe through, first).
  if (request.method !== "GET" || request.body !== null) return null;
  const badHeader = headerValueRefusal(request.headers);
  if (badHeader !== null) return refuse(badHeader, refusal, clock, memory);
  if (!breakerFor(config).isClosed()) return null;
  const known = memory.rateLimited.refusal(key.account_id, key.tier, started);
  if (known === null) return null;
  refusal.caller.limits = known.limits;
  return refuse(known.error, refusal, clock, memory);
}

/** What an answer of the lane is about. */
interface Refusal {
  request: Request;
  path: string;
  config: GatewayConfig;
  started: number;
  caller: Caller | null;
}

/** The envelope, the RateLimit headers of a usable key, and the request's log line. */
function refuse(error: GatewayError, about: Refusal, clock: Clock, memory: EdgeMemory): Response {
  const { request, caller, started } = about;
  const requestId = requestIdFor(request.headers.get("X-Request-Id"));
  const response = renderErrorResponse(error, requestId);
  if (caller?.usable === true) {
    setRateLimitHeaders(
      response.headers,
      {
        status: error.status,
        accountId: caller.entry.account_id,
        tierName: caller.entry.tier,
        policy: about.config.policy,
        limits: caller.limits,
      },
      memory.limitsCache,
      started,
    );
  }
  writeRequestLog(
    requestId,
    request.method,
    about.path,
    error.status,
    {
      decision: "rejected",
      code: error.code,
      accountId: caller?.entry.account_id ?? null,
      keyId: caller?.entry.key_id ?? null,
      originMs: null,
      reason: error.internalReason ?? null,
    },
    clock.now() - started,
  );
  return response;
}
