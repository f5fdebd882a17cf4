import { gatewayRoutes } from "./admin/gateway-routes";
import { handleApiRequest } from "./api/pipeline";
import { type Clock, systemClock } from "./clock";
import type { Bindings } from "./env";
import { rawPathOf } from "./http/raw-path";
import { type IsolateMemory, newIsolateMemory } from "./isolate/isolate-memory";
import { DEFAULT_ROUTES, routesFor } from "./routes/default-routes";

export interface GatewayOptions {
  clock?: Clock;
  /** What this isolate remembers between requests (tests give each gateway its own). */
  memory?: IsolateMemory;
  /** The route document (OpenAPI 3.1 with x-gateway); default: the one the Worker is built with. */
  routes?: unknown;
}

/** Only this literal spelling reaches the gateway's own routes; any other is an API path. */
const GATEWAY_PREFIX = "/_gateway/";

/**
 * The Worker's fetch: the gateway's own routes (health, admin) under the literal `/_gateway/`
 * prefix, handled by Hono; every other request takes the API pipeline (api/pipeline.ts).
 */
export function createGateway({
  clock = systemClock,
  memory = newIsolateMemory(),
  routes = DEFAULT_ROUTES,
}: GatewayOptions = {}) {
  const tableFor = routesFor(routes);
  const gatewayPaths = gatewayRoutes(clock, tableFor, memory);
  const deps = { clock, memory, routes: tableFor };
  return {
    fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> {
      const rawPath = rawPathOf(request.url);
      if (rawPath.startsWith(GATEWAY_PREFIX)) return gatewayPaths.fetch(request, env, ctx);
      return handleApiRequest(request, rawPath, env, ctx, deps);
    },
  };
}
