import { configFor } from "../config/config";
import type { Bindings } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { exit, internalError } from "../exit/exit";
import { requestIdFor } from "../http/request-id";
import { breakerFor } from "../isolate/origin-breaker";
import { ApiRequest } from "./api-request";
import { countUsage } from "./count-usage";
import { admit } from "./steps/admit";
import { authenticate } from "./steps/authenticate";
import { authorizeScope } from "./steps/authorize-scope";
import { forward } from "./steps/forward";
import { refuseGatewayPathSpellings } from "./steps/gateway-paths";
import { refuseDuringMaintenance } from "./steps/maintenance";
import { shedLoad } from "./steps/shed-load";
import type { PipelineDeps, Step, StepVerdict } from "./steps/step";
import { fingerprint, readBody, validateBody, validateRequestLine } from "./steps/validate";

/**
 * The API path, in the order of contract section 5, written once. Each step either lets the
 * request go on, refuses it, or answers it; the steps before the first real I/O (a key not
 * looked up recently, a body to read, the account's object, the origin) run synchronously.
 */
const STEPS: readonly Step[] = [
  // 1. request id (made with the request's state), gateway paths, maintenance
  refuseGatewayPathSpellings,
  refuseDuringMaintenance,
  // 2. authentication: format and checksum with no I/O, then the key's edge copy
  authenticate,
  // 3. scope
  authorizeScope,
  // 4. validation and tier caps, then the origin's breaker
  validateRequestLine,
  readBody,
  validateBody,
  fingerprint,
  shedLoad,
  // 5. one atomic admission in the account's Durable Object
  admit,
  // 6. the origin, with completion after the response
  forward,
];

/** Runs the steps from `from` on; synchronous until a step returns a promise. */
function run(
  req: ApiRequest,
  deps: PipelineDeps,
  from: number,
): StepVerdict | Promise<StepVerdict> {
  for (let i = from; i < STEPS.length; i++) {
    let verdict: StepVerdict | Promise<StepVerdict>;
    try {
      verdict = (STEPS[i] as Step)(req, deps);
    } catch (thrown) {
      // Parsers refuse by throwing their GatewayError; anything else is a fault.
      return thrown instanceof GatewayError ? thrown : internalError(req, thrown);
    }
    if (verdict instanceof Promise) {
      return verdict.then((settled) => (settled === undefined ? run(req, deps, i + 1) : settled));
    }
    if (verdict !== undefined) return verdict;
  }
  return internalError(req, new Error("the pipeline ended without an answer"));
}

/** Every request that is not for a literal `/_gateway/...` path (`rawPath`: as sent). */
export function handleApiRequest(
  request: Request,
  rawPath: string,
  env: Bindings,
  ctx: ExecutionContext,
  deps: PipelineDeps,
): Response | Promise<Response> {
  const started = deps.clock.now();
  let req: ApiRequest;
  try {
    const config = configFor(env);
    req = new ApiRequest(request, rawPath, env, ctx, config, deps.routes(config), started);
  } catch (fault) {
    return exitWithoutConfig(request, rawPath, started, fault, deps);
  }
  const verdict = run(req, deps, 0);
  if (!(verdict instanceof Promise)) return finish(req, deps, verdict);
  return verdict.then(
    (settled) => finish(req, deps, settled),
    (fault: unknown) => finish(req, deps, fault),
  );
}

function finish(req: ApiRequest, deps: PipelineDeps, verdict: unknown): Response {
  // A probe answered without the origin (a replay, a 409, a 429...) learned nothing: the next
  // request probes instead of everyone being shed until the probe times out.
  if (req.probe && req.originMs === null) breakerFor(req.config).abandonProbe();
  const now = deps.clock.now();
  const response = exit(req, verdict, req.config, deps.memory.limits, now);
  countUsage(req, deps.memory.usage, verdict, response.status, now);
  return response;
}

/** A configuration that does not parse is a fault of the deployment: answered 500, logged. */
function exitWithoutConfig(
  request: Request,
  rawPath: string,
  started: number,
  fault: unknown,
  deps: PipelineDeps,
): Response {
  const call = {
    method: request.method,
    rawPath,
    requestId: requestIdFor(request.headers.get("X-Request-Id")),
    started,
    decision: "",
    reason: null,
    originMs: null,
    caller: null,
    usable: false,
    limits: null,
  };
  return exit(call, fault, null, null, deps.clock.now());
}
