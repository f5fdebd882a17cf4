import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";

/** How long clients are told to wait during maintenance. */
const MAINTENANCE_RETRY_SECONDS = 60;

/** MAINTENANCE=true answers every non-gateway request with 503 (contract section 1). */
export function maintenance() {
  return createMiddleware<AppEnv>(async function maintenanceMiddleware(c, next) {
    if (c.get("config").maintenance && !c.get("route").gatewayOwned) {
      c.get("log").decision = "maintenance";
      throw new GatewayError("service_unavailable", {
        message: "The platform is in maintenance.",
        details: { reason: "maintenance" },
        retryAfter: MAINTENANCE_RETRY_SECONDS,
      });
    }
    await next();
  });
}
