import { createMiddleware } from "hono/factory";
import { type LimitsCache, setRateLimitHeaders } from "../account/ratelimit-headers";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";

/**
 * Adds RateLimit-Policy and RateLimit to every authenticated response. The state comes from the
 * account's object when this request reached it, else from the last state this isolate saw.
 */
export function rateLimitHeadersOnAuthenticated(clock: Clock, cache: LimitsCache) {
  return createMiddleware<AppEnv>(async function rateLimitHeadersMiddleware(c, next) {
    c.set("limits", null);
    await next();
    const identity = c.get("identity");
    if (identity === undefined || c.res.status === 401) return;
    setRateLimitHeaders(
      c.res.headers,
      {
        status: c.res.status,
        accountId: identity.accountId,
        tierName: identity.tier,
        policy: c.get("config").policy,
        limits: c.get("limits"),
      },
      cache,
      clock.now(),
    );
  });
}
