import { Hono } from "hono";
import type { Clock } from "../clock";
import { configFor, type GatewayConfig } from "../config/config";
import { consoleRoutes } from "../console/console-routes";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { exit } from "../exit/exit";
import { rawPathOf } from "../http/raw-path";
import { requestIdFor } from "../http/request-id";
import type { IsolateMemory } from "../isolate/isolate-memory";
import { gatewayDocument } from "../openapi/gateway-document";
import type { RouteTable } from "../routes/route-table";
import { adminRoutes } from "./admin-routes";

/**
 * The gateway's own endpoints, under the literal `/_gateway/` prefix: health and the admin API.
 * No key, no limits; every answer (and every error, through `onError`) leaves by the one exit.
 */
export function gatewayRoutes(
  clock: Clock,
  routesFor: (config: GatewayConfig) => RouteTable,
  memory: IsolateMemory,
) {
  const app = new Hono<GatewayRoutesEnv>({ getPath: (request) => rawPathOf(request.url) });
  app.use("*", async function gatewayRequest(c, next) {
    c.set("call", {
      method: c.req.method,
      rawPath: rawPathOf(c.req.url),
      requestId: requestIdFor(c.req.header("X-Request-Id")),
      started: clock.now(),
      decision: "gateway",
      reason: null,
      originMs: null,
      caller: null,
      usable: false,
      limits: null,
    });
    c.set("exited", false);
    const config = configFor(c.env);
    c.set("config", config);
    c.set("routes", routesFor(config));
    await next();
    if (!c.get("exited")) c.res = exit(c.get("call"), c.res, null, null, clock.now());
  });
  app.onError((err, c) => {
    c.set("exited", true);
    return exit(c.get("call"), err, null, null, clock.now());
  });

  app.get("/_gateway/health", (c) => {
    c.get("call").decision = "health";
    return c.json({ status: "ok" });
  });
  app.get("/_gateway/openapi.json", (c) => {
    c.get("call").decision = "openapi";
    return c.json(gatewayDocument());
  });
  app.route("/_gateway/console", consoleRoutes());
  app.route("/_gateway/admin", adminRoutes(clock, memory));
  app.all("*", () => {
    throw new GatewayError("not_found", { message: "No such gateway endpoint." });
  });
  return app;
}
