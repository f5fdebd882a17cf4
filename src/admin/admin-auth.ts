import { createMiddleware } from "hono/factory";
import type { GatewayConfig } from "../config/config";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { constantTimeEqual } from "../keys/constant-time";
import { sha256Hex } from "../keys/sha256";

const encoder = new TextEncoder();
const tokenDigests = new WeakMap<GatewayConfig, string>();

/** The admin token's digest, computed once per configuration. */
function tokenDigest(config: GatewayConfig, token: string): string {
  let digest = tokenDigests.get(config);
  if (digest === undefined) {
    digest = sha256Hex(encoder.encode(token));
    tokenDigests.set(config, digest);
  }
  return digest;
}

/** The admin API exists only when ADMIN_TOKEN is set; it then needs that exact bearer token. */
export function adminAuth() {
  return createMiddleware<GatewayRoutesEnv>(async function adminAuthMiddleware(c, next) {
    const config = c.get("config");
    const token = config.adminToken;
    if (token === undefined) throw new GatewayError("not_found", { message: "Not found." });
    c.get("call").decision = "admin";
    const header = c.req.header("Authorization")?.trim() ?? "";
    // "Bearer" with nothing after it is missing credentials, as on the API (contract 2).
    const match = /^bearer(?:\s+(.*))?$/i.exec(header);
    const presented = match?.[1]?.trim() ?? "";
    if (header === "" || (match !== null && presented === ""))
      throw new GatewayError("missing_credentials");
    // Digests of equal length compared in constant time: neither the token's length nor a
    // matching prefix shows in the timing.
    if (
      match === null ||
      !constantTimeEqual(sha256Hex(encoder.encode(presented)), tokenDigest(config, token))
    ) {
      throw new GatewayError("invalid_credentials", { message: "The admin token is not valid." });
    }
    await next();
  });
}
