// Contract section 11: the gateway's own API described by an OpenAPI 3.1 document at
// GET /_gateway/openapi.json, no credential needed. The document against the OpenAPI schema:
// test/e2e/gateway-openapi.test.ts (the validator cannot run in workerd). Every admin call of
// every suite is checked against it by admin() (support/openapi-check.ts).
import { describe, expect, it } from "vitest";
import { gatewayRoutes } from "../../../src/admin/gateway-routes";
import { systemClock } from "../../../src/clock";
import { ERROR_CATALOGUE } from "../../../src/errors/catalogue";
import { newIsolateMemory } from "../../../src/isolate/isolate-memory";
import { gatewayDocument } from "../../../src/openapi/gateway-document";
import { DEFAULT_ROUTES, routesFor } from "../../../src/routes/default-routes";
import { admin, createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { bearer, gateway } from "../support/gateway";
import { checkAcceptedBody, checkAnswer, OpenApiDriftError } from "../support/openapi-check";
import { CREATE_BODY, create, read } from "../support/requests";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the document as plain JSON.
type Json = Record<string, any>;

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Documented operations as `METHOD /path/{param}`. */
function documentedOperations(document: Json): string[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map(
      (method) => `${method.toUpperCase()} ${path}`,
    ),
  );
}

/**
 * Every route the gateway's Hono app registers (Hono's `app.routes`, sub-apps included under
 * their prefix), `:param` written `{param}`. Middleware (`use`) and the catch-all 404s are ALL
 * or `*` routes: only real endpoints count. The operator console (section 12) is a page and its
 * assets, not part of the JSON API the document describes.
 */
function registeredRoutes(): string[] {
  const app = gatewayRoutes(systemClock, routesFor(DEFAULT_ROUTES), newIsolateMemory());
  const routes = app.routes
    .filter((route) => route.method !== "ALL" && !route.path.includes("*"))
    .filter((route) => !route.path.startsWith("/_gateway/console"))
    .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
  return [...new Set(routes)];
}

describe("GET /_gateway/openapi.json", () => {
  it("answers the document as JSON, without a credential, described by itself", async () => {
    const res = await gateway().fetch("/_gateway/openapi.json");
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json\b/);
    expect(res.headers.get("X-Request-Id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(res.json).toEqual(gatewayDocument());
    expect(res.json.openapi).toBe("3.1.0");
    checkAnswer("GET", "/_gateway/openapi.json", res.status, res.json);
  });

  it("is built once", () => {
    expect(gatewayDocument()).toBe(gatewayDocument());
    expect(Object.isFrozen(gatewayDocument().paths)).toBe(true);
  });
});

describe("the document", () => {
  const document = gatewayDocument() as Json;

  it("has every catalogue code, with its status, in the envelope's code enum and a response", () => {
    const codes = Object.keys(ERROR_CATALOGUE);
    expect(document.components.schemas.ErrorCode.enum).toEqual(codes);
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      const response = document.components.responses[`Error${status}`];
      expect(response, `${code} (${status})`).toBeDefined();
      const schema = response.content["application/json"].schema;
      expect(schema.allOf[0]).toEqual({ $ref: "#/components/schemas/Error" });
      expect(schema.allOf[1].properties.error.properties.code.enum).toContain(code);
    }
    // The one status the gateway gives a code besides its catalogue one: a body over its limit.
    expect(
      document.components.responses.Error413.content["application/json"].schema.allOf[1].properties
        .error.properties.code.enum,
    ).toEqual(["invalid_body"]);
  });

  it("describes every route the gateway registers, and no route it does not", () => {
    const documented = documentedOperations(document);
    const registered = registeredRoutes();
    expect(registered).toContain("GET /_gateway/health");
    expect(registered).toContain("POST /_gateway/admin/keys/{id}/rotate");
    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((op) => !registered.includes(op))).toEqual([]);
  });

  it("gives every admin operation the bearer scheme with its scope, and 401, 403, 404", () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    for (const op of documentedOperations(document)) {
      const [method, path] = op.split(" ") as [string, string];
      const operation = document.paths[path][method.toLowerCase()];
      if (!path.startsWith("/_gateway/admin/")) {
        expect(operation.security, op).toEqual([]);
        continue;
      }
      const scope = method === "GET" ? "admin:read" : "admin:write";
      expect(operation.security, op).toEqual([{ bearer: [scope] }]);
      for (const status of ["401", "403", "404"]) {
        expect(operation.responses[status], `${op} ${status}`).toEqual({
          $ref: `#/components/responses/Error${status}`,
        });
      }
    }
  });
});

describe("the drift check", () => {
  it("passes real answers: health, an account, its keys, an unknown admin path", async () => {
    const gw = gateway();
    const health = await gw.fetch("/_gateway/health");
    checkAnswer("GET", "/_gateway/health", health.status, health.json);
    const account = await createAccount(gw);
    // admin() checks each answer itself; these are here to be seen.
    await admin(gw, "GET", `/accounts/${account.accountId}`);
    await admin(gw, "GET", `/keys?account_id=${account.accountId}`);
    await admin(gw, "DELETE", `/keys/${account.keyId}`);
    expectEnvelope(await admin(gw, "GET", "/nope"), 404, "not_found");
  });

  it("passes real answers of every admin operation", async () => {
    const gw = gateway();
    const { accountId, key, keyId } = await createAccount(gw);
    // Something to count: an admitted create, a read, a create over the tier's cap.
    expect((await create(gw, key)).status).toBe(201);
    expect((await read(gw, key)).status).toBe(200);
    expect((await create(gw, key, {}, { ...CREATE_BODY, num_genes: 100_000 })).status).toBe(403);
    const calls: [string, string, unknown?][] = [
      ["GET", `/accounts?prefix=${accountId}&limit=1`],
      ["PATCH", `/accounts/${accountId}`, { limits: { per_minute: 100, per_day: null } }],
      ["GET", `/accounts/${accountId}/usage?granularity=hour`],
      ["GET", `/accounts/${accountId}/usage?key_id=${keyId}`],
      ["GET", `/accounts/${accountId}/rejections?limit=5`],
      ["POST", `/accounts/${accountId}/submissions/sub_x/release`],
      ["PATCH", `/keys/${keyId}`, { name: "renamed", limits: { per_minute: 5 } }],
      ["GET", `/keys/${keyId}`],
      ["GET", "/whoami"],
      ["POST", "/credentials", { name: "ci", scopes: ["admin:read"] }],
      ["GET", "/credentials"],
      ["GET", `/audit?account_id=${accountId}`],
      ["GET", "/audit?limit=2"],
      ["GET", `/accounts/${accountId}/usage?granularity=year`],
      ["GET", "/accounts?colour=red"],
    ];
    for (const [method, path, body] of calls) await admin(gw, method, path, body);
    const made = await admin(gw, "POST", "/credentials", { name: "gone", scopes: ["admin:write"] });
    if (made.status === 201) await admin(gw, "DELETE", `/credentials/${made.json.id}`);
    const rotated = await admin(gw, "POST", `/keys/${keyId}/rotate`, { grace_seconds: 0 });
    expect(rotated.status).toBe(201);

    // Refused callers, through gw.fetch (admin() always sends ADMIN_TOKEN): 401, 403, and the
    // admin API hidden (404) without ADMIN_TOKEN.
    const reader = await admin(gw, "POST", "/credentials", { name: "r", scopes: ["admin:read"] });
    const refused: [string, string, Record<string, string>, number][] = [
      ["GET", "/accounts", {}, 401],
      ["GET", "/accounts", bearer("gwadmin_nope"), 401],
      ["POST", "/accounts", bearer(reader.json?.secret ?? "x"), reader.status === 201 ? 403 : 401],
    ];
    for (const [method, path, headers, status] of refused) {
      const body = method === "GET" ? {} : { body: "{}" };
      const res = await gw.fetch(`/_gateway/admin${path}`, { method, headers, ...body });
      expect(res.status, res.text).toBe(status);
      checkAnswer(method, `/_gateway/admin${path}`, res.status, res.json);
    }
    const hidden = gateway({ vars: { ADMIN_TOKEN: undefined } });
    expect((await admin(hidden, "GET", `/accounts/${accountId}`)).status).toBe(404);
  });

  it("refuses an answer the document does not describe, naming what is wrong", () => {
    const account = {
      id: "acme",
      tier: "free",
      status: "active",
      created_at: "2026-12-02T10:00:00.000Z",
      limits: { per_minute: null, in_flight: null, per_day: null },
    };
    checkAnswer("POST", "/_gateway/admin/accounts", 201, account);
    const cases: [string, string, number, unknown, RegExp][] = [
      ["POST", "/_gateway/admin/accounts", 201, { ...account, extra: 1 }, /extra/],
      ["POST", "/_gateway/admin/accounts", 201, { ...account, status: "gone" }, /status/],
      [
        "POST",
        "/_gateway/admin/accounts",
        201,
        { ...account, created_at: "yesterday" },
        /date-time/,
      ],
      [
        "POST",
        "/_gateway/admin/accounts",
        201,
        { ...account, limits: { per_minute: 0 } },
        /limits/,
      ],
      ["POST", "/_gateway/admin/accounts", 200, account, /answering 200/],
      ["POST", "/_gateway/admin/accounts", 201, null, /not JSON/],
      ["PUT", "/_gateway/admin/accounts", 200, account, /PUT/],
      ["GET", "/_gateway/nope", 200, {}, /nope/],
      ["GET", "/_gateway/health", 200, { status: "fine" }, /status/],
      ["GET", "/_gateway/admin/nope", 401, {}, /nope/],
      [
        "GET",
        "/_gateway/admin/keys/key_0000000000000000",
        404,
        { error: { code: "invalid_body", message: "x", details: {}, request_id: "r" } },
        /code/,
      ],
    ];
    for (const [method, path, status, body, message] of cases) {
      expect(() => checkAnswer(method, path, status, body), `${method} ${path} ${status}`).toThrow(
        OpenApiDriftError,
      );
      expect(() => checkAnswer(method, path, status, body)).toThrow(message);
    }
  });

  it("accepts the 404 envelope on any admin path, and only the not_found one", () => {
    const envelope = (code: string) => ({
      error: { code, message: "No such admin resource.", details: {}, request_id: "req-1" },
    });
    for (const path of ["/_gateway/admin/audit", "/_gateway/admin/anything/at/all"]) {
      checkAnswer("GET", path, 404, envelope("not_found"));
      expect(() => checkAnswer("GET", path, 404, envelope("forbidden"))).toThrow(OpenApiDriftError);
    }
  });

  it("refuses an accepted request body the document would refuse", () => {
    checkAcceptedBody("POST", "/_gateway/admin/keys/key_0000000000000000/rotate", undefined);
    checkAcceptedBody("POST", "/_gateway/admin/keys/key_0000000000000000/rotate", " ");
    checkAcceptedBody("POST", "/_gateway/admin/accounts", '{"id":"acme","tier":"pro"}');
    for (const [method, path, sent, message] of [
      ["POST", "/_gateway/admin/accounts", '{"id":"acme","colour":"red"}', /colour/],
      ["POST", "/_gateway/admin/accounts", "{", /not JSON/],
      ["POST", "/_gateway/admin/keys", undefined, /required body/],
      ["DELETE", "/_gateway/admin/keys/key_0000000000000000", "{}", /request body/],
    ] as const) {
      expect(() => checkAcceptedBody(method, path, sent), `${method} ${path}`).toThrow(message);
    }
  });
});
