import { Hono } from "hono";
import type { Clock } from "../clock";
import { directoryStub } from "../directory/client";
import {
  ADMIN_SCOPES,
  type AdminScope,
  type CredentialRecord,
} from "../directory/credential-store";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { sha256Hex } from "../keys/sha256";
import { stampOf } from "./admin-auth";
import * as input from "./admin-input";
import { CREDENTIAL_ID, generateAdminCredential } from "./admin-secret";
import { credentialView } from "./admin-views";

const MAX_CREDENTIAL_NAME = 100;

function credentialName(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > MAX_CREDENTIAL_NAME) {
    throw input.invalidField("name", `name must be 1 to ${MAX_CREDENTIAL_NAME} characters.`);
  }
  return value;
}

function adminScopes(value: unknown): AdminScope[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw input.invalidField("scopes", "scopes must be a non-empty array of admin scopes.");
  }
  const scopes = new Set<AdminScope>();
  for (const scope of value) {
    const known = ADMIN_SCOPES.find((s) => s === scope);
    if (known === undefined) {
      throw input.invalidField(
        "scopes",
        `scopes may hold only ${ADMIN_SCOPES.join(" and ")}; ${JSON.stringify(scope)} is not one.`,
      );
    }
    scopes.add(known);
  }
  return ADMIN_SCOPES.filter((s) => scopes.has(s));
}

function noCredential(): GatewayError {
  return new GatewayError("not_found", { message: "No such admin credential." });
}

/**
 * Admin credentials (contract section 11): created with their scopes, the secret shown once in
 * the answer and stored only as its SHA-256; listed without secrets; revoked for the next call.
 */
export function credentialRoutes(clock: Clock) {
  const credentials = new Hono<GatewayRoutesEnv>();

  credentials.post("/credentials", async (c) => {
    const body = await input.readJsonObject(c.req.raw);
    input.rejectUnknown(body, ["name", "scopes"]);
    const name = credentialName(body.name);
    const scopes = adminScopes(body.scopes);
    const { id, secret } = generateAdminCredential();
    const record: CredentialRecord = {
      id,
      name,
      scopes,
      digest: sha256Hex(new TextEncoder().encode(secret)),
      created_at: clock.now(),
      revoked_at: null,
    };
    await directoryStub(c.env.DIRECTORY).createCredential(record, stampOf(c));
    return c.json({ ...credentialView(record), secret }, 201);
  });

  credentials.get("/credentials", async (c) => {
    const all = await directoryStub(c.env.DIRECTORY).listCredentials();
    return c.json({ data: all.map(credentialView) });
  });

  credentials.delete("/credentials/:id", async (c) => {
    const id = c.req.param("id");
    if (!CREDENTIAL_ID.test(id)) throw noCredential();
    const revoked = await directoryStub(c.env.DIRECTORY).revokeCredential(id, stampOf(c));
    if (revoked === null) throw noCredential();
    return c.json({ id: revoked.id, revoked_at: new Date(revoked.revoked_at ?? 0).toISOString() });
  });

  return credentials;
}
