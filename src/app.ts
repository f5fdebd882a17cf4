import { Hono } from "hono";
import { RateLimitedMemo } from "./account/rate-limited-memo";
import { LimitsCache } from "./account/ratelimit-headers";
import { adminRoutes } from "./admin/admin-routes";
import { type Clock, systemClock } from "./clock";
import { type EdgeMemory, edgeLane } from "./edge/reject-without-io";
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
  /** The isolate's limiter state, shared with the edge lane (createGateway). */
  memory?: EdgeMemory;
}

function newEdgeMemory(): EdgeMemory {
  return { limitsCache: new LimitsCache(), rateLimited: new RateLimitedMemo() };
}

/**
 * The gateway, in the order of contract section 5: request id, gateway paths, maintenance;
 * authentication; scope; validation and tier caps; (origin breaker); one admission in the
 * account's Durable Object; proxy and completion.
 */
export function createApp({ clock = systemClock, memory = newEdgeMemory() }: AppOptions = {}) {
  const app = new Hono<AppEnv>({ getPath: rawPath });
  app.onError(handleError);
  app.use("*", requestId(), requestLog(clock), resolveRequest(), maintenance());

  app.get("/_gateway/health", (c) => {
    c.get("log").decision = "health";
    return c.json({ status: "ok" });
  });
  app.route("/_gateway/admin", adminRoutes(clock));

  app.all(
    "*",
    gatewayPathNotFound(),
    authenticate(clock),
    rateLimitHeadersOnAuthenticated(clock, memory.limitsCache),
    authorizeScope(),
    validateRequest(),
    shedLoad(clock),
    admit(clock, memory.limitsCache, memory.rateLimited),
    proxyToOrigin(clock),
  );
  return app;
}

/**
 * The Worker's fetch: rejections decidable without I/O are answered before the router (they are
 * most of what abusive traffic costs); everything else goes through the chain above.
 */
export function createGateway(options: AppOptions = {}) {
  const clock = options.clock ?? systemClock;
  const memory = options.memory ?? newEdgeMemory();
  const app = createApp({ clock, memory });
  const rejectWithoutIo = edgeLane(clock, memory);
  return {
    fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> {
      return rejectWithoutIo(request, env) ?? app.fetch(request, env, ctx);
    },
  };
}
