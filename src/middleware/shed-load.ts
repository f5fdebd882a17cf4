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
    const config = c.get("config");
    const breaker = breakerFor(config);
    const decision = breaker.decide(clock.now());
    if (decision.action === "shed") {
      c.get("log").decision = "shed";
      throw originUnavailable("origin_shedding", decision.retryAfterSeconds);
    }
    c.set("breakerProbe", decision.probe);
    await next();
    // A probe answered without the origin (a replay, a 409, a 429...) learned nothing: the
    // next request probes instead of everyone being shed until the probe times out.
    if (decision.probe && c.get("log").originMs === null) breaker.abandonProbe();
  });
}
