import { createMiddleware } from "hono/factory";
import { type LimitsCache, rateLimitHeaders } from "../account/ratelimit-headers";
import type { Clock } from "../clock";
import { tierPolicyOf } from "../config/policy";
import type { AppEnv } from "../env";

/**
 * Adds RateLimit-Policy and RateLimit to every authenticated response. The state comes from the
 * account's object when this request reached it, else from the last state this isolate saw.
 */
export function rateLimitHeadersOnAuthenticated(clock: Clock, cache: LimitsCache) {
  return createMiddleware<AppEnv>(async function rateLimitHeadersMiddleware(c, next) {
    c.set("limits", null);
    await next();
    const identity = c.var.identity;
    if (identity === undefined || c.res.status === 401) return;
    const tier = tierPolicyOf(c.var.config.policy, identity.tier);
    const limits = c.var.limits ??
      cache.recall(identity.accountId, clock.now()) ?? {
        tier: identity.tier,
        minute: { limit: tier.per_minute, remaining: tier.per_minute, resetSeconds: 0 },
      };
    const minute = c.res.status === 429 ? { ...limits.minute, remaining: 0 } : limits.minute;
    for (const [name, value] of Object.entries(rateLimitHeaders({ ...limits, minute }, tier))) {
      c.res.headers.set(name, value);
    }
  });
}
