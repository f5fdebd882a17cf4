import { Hono } from "hono";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { CONSOLE_ASSETS, CONSOLE_PAGE } from "./assets.generated";
import { assetHeaders, PAGE_HEADERS } from "./console-headers";

const CONSOLE_PATH = "/_gateway/console";

/** Looked up by name from the URL: a Map, so "constructor" or "__proto__" name nothing. */
const ASSETS = new Map(
  Object.entries(CONSOLE_ASSETS).map(([name, asset]) => [
    name,
    { body: asset.body, headers: assetHeaders(asset.type) },
  ]),
);

function notFound(): GatewayError {
  return new GatewayError("not_found", { message: "No such gateway endpoint." });
}

/**
 * The operator console (contract section 12): the page and its bundled assets, under
 * /_gateway/console. Neither needs a credential; every call the page makes does (the admin
 * API's bearer header, from the page's script). Built by `npm run build:console`.
 */
export function consoleRoutes() {
  const app = new Hono<GatewayRoutesEnv>();
  app.get("/", function consolePage(c) {
    c.get("call").decision = "console";
    return new Response(CONSOLE_PAGE, { headers: PAGE_HEADERS });
  });
  app.get("/assets/:name", function consoleAsset(c) {
    c.get("call").decision = "console";
    const asset = ASSETS.get(c.req.param("name"));
    if (asset === undefined) throw notFound();
    return new Response(asset.body, { headers: asset.headers });
  });
  app.all("*", function consoleNotFound(c) {
    // "/_gateway/console/" is the page too: a typed trailing slash should not be a 404.
    if (c.req.method === "GET" && c.req.path === `${CONSOLE_PATH}/`) {
      c.get("call").decision = "console";
      return c.redirect(CONSOLE_PATH, 308);
    }
    throw notFound();
  });
  return app;
}
