import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { type AuditStamp, BOOTSTRAP_ACTOR } from "../audit/audit-entry";
import type { GatewayConfig } from "../config/config";
import { directoryStub } from "../directory/client";
import { ADMIN_SCOPES, type AdminScope } from "../directory/credential-store";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { constantTimeEqual } from "../keys/constant-time";
import { sha256Hex } from "../keys/sha256";
import { describeFault } from "../observability/fault";
import { parseAdminSecret } from "./admin-secret";

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

function invalid(): GatewayError {
  return new GatewayError("invalid_credentials", {
    message: "The admin credential is not valid.",
  });
}

/** The directory's verdict; when it cannot be reached, a 503 to retry, never a verdict. */
async function verifyCredential(env: GatewayRoutesEnv["Bindings"], id: string, digest: string) {
  try {
    return await directoryStub(env.DIRECTORY).verifyCredential(id, digest);
  } catch (err) {
    throw new GatewayError("service_unavailable", {
      message: "The admin directory is temporarily unavailable.",
      details: { reason: "directory_unavailable" },
      retryAfter: 1,
      internalReason: describeFault(err),
    });
  }
}

/** Reading needs admin:read; every other method changes something and needs admin:write. */
function requiredScope(method: string): AdminScope {
  return method === "GET" || method === "HEAD" ? "admin:read" : "admin:write";
}

/**
 * The admin API exists only when ADMIN_TOKEN is set. A call carries ADMIN_TOKEN (the bootstrap
 * credential, every scope) or an admin credential's secret, which is checked against the
 * directory on every call, so a revocation binds on the next one (contract section 11).
 */
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
    if (match === null) throw invalid();
    // Digests of equal length compared in constant time: neither a secret's length nor a
    // matching prefix shows in the timing.
    const digest = sha256Hex(encoder.encode(presented));
    let actor: GatewayRoutesEnv["Variables"]["actor"];
    if (constantTimeEqual(digest, tokenDigest(config, token))) {
      actor = { id: BOOTSTRAP_ACTOR, scopes: ADMIN_SCOPES };
    } else {
      const id = parseAdminSecret(presented);
      const verified = id === null ? null : await verifyCredential(c.env, id, digest);
      if (verified === null) throw invalid();
      actor = verified;
    }
    const needed = requiredScope(c.req.method);
    if (!actor.scopes.includes(needed)) {
      throw new GatewayError("scope_required", {
        message: `This endpoint requires the ${needed} scope.`,
        details: { required_scope: needed },
      });
    }
    c.set("actor", actor);
    await next();
  });
}

/** Who made this call and which request it is: what every mutation's audit entry names. */
export function stampOf(c: Context<GatewayRoutesEnv>): AuditStamp {
  return { actor: c.get("actor").id, requestId: c.get("call").requestId };
}
