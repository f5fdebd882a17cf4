import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";

const encoder = new TextEncoder();

async function sameSecret(a: string, b: string): Promise<boolean> {
  // Compare digests so the comparison is constant-time whatever the lengths.
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** The admin API exists only when ADMIN_TOKEN is set; it then needs that exact bearer token. */
export function adminAuth() {
  return createMiddleware<AppEnv>(async function adminAuthMiddleware(c, next) {
    const token = c.get("config").adminToken;
    if (token === undefined) throw new GatewayError("not_found", { message: "Not found." });
    c.get("log").decision = "admin";
    const header = c.req.header("Authorization")?.trim() ?? "";
    // "Bearer" with nothing after it is missing credentials, as on the API (contract 2).
    const match = /^bearer(?:\s+(.*))?$/i.exec(header);
    const presented = match?.[1]?.trim() ?? "";
    if (header === "" || (match !== null && presented === ""))
      throw new GatewayError("missing_credentials");
    if (match === null || !(await sameSecret(presented, token))) {
      throw new GatewayError("invalid_credentials", { message: "The admin token is not valid." });
    }
    await next();
  });
}
