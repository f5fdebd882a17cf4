import { Hono } from "hono";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";

/** The operator console (contract section 12): the page and its assets, under /_gateway/console. */
export function consoleRoutes() {
  const app = new Hono<GatewayRoutesEnv>();
  app.all("*", () => {
    throw new GatewayError("not_found", { message: "No such gateway endpoint." });
  });
  return app;
}
