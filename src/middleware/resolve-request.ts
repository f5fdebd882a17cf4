import { createMiddleware } from "hono/factory";
import { configFor } from "../config/config";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { matchRoute } from "../routes/route-table";

/** Typed config (parsed once per environment) and the route-table match, for every request. */
export function resolveRequest() {
  return createMiddleware<AppEnv>(async function resolveRequestMiddleware(c, next) {
    c.set("config", configFor(c.env));
    const url = c.req.url;
    const query = url.indexOf("?");
    c.set("route", matchRoute(c.req.method, c.req.path, query === -1 ? "" : url.slice(query)));
    await next();
  });
}

/** Any `/_gateway` path (in any spelling) that no gateway route answered: never proxied. */
export function gatewayPathNotFound() {
  return createMiddleware<AppEnv>(async function gatewayPathNotFoundMiddleware(c, next) {
    if (c.get("route").gatewayOwned) {
      c.get("log").decision = "gateway";
      throw new GatewayError("not_found", { message: "No such gateway endpoint." });
    }
    await next();
  });
}
