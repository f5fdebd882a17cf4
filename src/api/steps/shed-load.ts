import type { GatewayError } from "../../errors/gateway-error";
import { breakerFor } from "../../isolate/origin-breaker";
import { originUnavailable } from "../../proxy/origin-response";
import type { ApiRequest } from "../api-request";
import type { PipelineDeps } from "./step";

/**
 * While the origin has asked for a pause (503 with Retry-After), proxied traffic is answered at
 * the edge and consumes nothing; after the pause one probe goes through.
 */
export function shedLoad(req: ApiRequest, deps: PipelineDeps): GatewayError | undefined {
  const decision = breakerFor(req.config).decide(deps.clock.now());
  if (decision.action === "shed") {
    req.decision = "shed";
    return originUnavailable("origin_shedding", decision.retryAfterSeconds);
  }
  req.probe = decision.probe;
  return undefined;
}
