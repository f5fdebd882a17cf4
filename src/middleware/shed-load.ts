import { createMiddleware } from "hono/factory";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { breakerFor } from "../proxy/origin-breaker";
import { originUnavailable } from "../proxy/origin-response";

/**
 * While the origin has asked for a pause (503 with Retry-After), proxied traffic is answered at
 * the edge and consumes nothing; after the pause one probe goes through.
 */
export function shedLoad(clock: Clock) {
  return createMiddleware<AppEnv>(async function shedLoadMiddleware(c, next) {
    const { config } = c.var;
    const decision = breakerFor(config).decide(clock.now());
    if (decision.action === "shed") {
      c.var.log.decision = "shed";
      throw originUnavailable("origin_shedding", decision.retryAfterSeconds);
    }
    c.set("breakerProbe", decision.probe);
    await next();
  });
}
