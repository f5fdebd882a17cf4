import { Hono } from "hono";
import { LimitsCache } from "./account/ratelimit-headers";
import { adminRoutes } from "./admin/admin-routes";
import { type Clock, systemClock } from "./clock";
import type { AppEnv } from "./env";
import { handleError } from "./errors/error-handler";
import { admit } from "./middleware/admit";
import { authenticate } from "./middleware/authenticate";
import { authorizeScope } from "./middleware/authorize-scope";
import { maintenance } from "./middleware/maintenance";
import { rateLimitHeadersOnAuthenticated } from "./middleware/rate-limit-headers";
import { requestId } from "./middleware/request-id";
import { gatewayPathNotFound, resolveRequest } from "./middleware/resolve-request";
import { shedLoad } from "./middleware/shed-load";
import { validateRequest } from "./middleware/validate-request";
import { requestLog } from "./observability/request-log";
import { proxyToOrigin } from "./proxy/proxy-handler";

/**
 * The path Hono routes on, as sent: Hono's default percent-decodes it, which would let
 * `/%5Fgateway/admin/...` reach the admin API under a spelling that path-based protections in
 * front of the gateway do not match. Only the literal `/_gateway/...` spelling reaches gateway
 * endpoints; any other spelling is a gateway-owned path answered 404 by gatewayPathNotFound.
 */
function rawPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf(":") + 3);
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}

export interface AppOptions {
  clock?: Clock;
}

/**
 * The gateway, in the order of contract section 5: request id, gateway paths, maintenance;
 * authentication; scope; validation and tier caps; (origin breaker); one admission in the
 * account's Durable Object; proxy and completion.
 */
export function createApp({ clock = systemClock }: AppOptions = {}) {
  const limitsCache = new LimitsCache();
  const app = new Hono<AppEnv>({ getPath: rawPath });
  app.onError(handleError);
  app.use("*", requestId(), requestLog(clock), resolveRequest(), maintenance());

  app.get("/_gateway/health", (c) => {
    c.var.log.decision = "health";
    return c.json({ status: "ok" });
  });
  app.route("/_gateway/admin", adminRoutes(clock));

  app.all(
    "*",
    gatewayPathNotFound(),
    authenticate(clock),
    rateLimitHeadersOnAuthenticated(clock, limitsCache),
    authorizeScope(),
    validateRequest(),
    shedLoad(clock),
    admit(clock, limitsCache),
    proxyToOrigin(clock),
  );
  return app;
}
