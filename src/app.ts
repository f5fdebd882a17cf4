import { Hono } from "hono";
import { LimitsCache } from "./account/ratelimit-headers";
import { adminRoutes } from "./admin/admin-routes";
import { type Clock, systemClock } from "./clock";
import { rejectWithoutIo } from "./edge/reject-without-io";
import type { AppEnv, Bindings } from "./env";
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
import { rawPath } from "./routes/raw-path";

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

/**
 * The Worker's fetch: the I/O-free rejections are answered before the router (they are most of
 * what abusive traffic costs), everything else goes through the chain above.
 */
export function createGateway(options: AppOptions = {}) {
  const clock = options.clock ?? systemClock;
  const app = createApp({ clock });
  return {
    fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> {
      return rejectWithoutIo(request, env, clock) ?? app.fetch(request, env, ctx);
    },
  };
}
