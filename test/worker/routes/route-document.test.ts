// A second API described by its own OpenAPI 3.1 document (contract section 10): its scopes,
// body and query schemas, costs and job rules bind through real HTTP, and a path it does not
// name is proxied for any valid key at cost 1. The echo endpoint of the test origin answers
// what it received (so "proxied" is seen in the answer); other paths count under a tag.
import { describe, expect, it } from "vitest";
import { admin, createAccount } from "../support/accounts";
import { gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { rateLimitState, send } from "../support/requests";

const REPORTS_API = {
  openapi: "3.1.0",
  info: { title: "Reports API", version: "1.0.0" },
  "x-gateway": { scopes: ["reports:read", "reports:run"] },
  paths: {
    "/__test/echo/reports": {
      get: {
        operationId: "listReports",
        "x-gateway": { scope: "reports:read" },
        parameters: [
          { name: "page", in: "query", schema: { type: "integer", minimum: 1, maximum: 50 } },
        ],
        responses: { "200": { description: "A page." } },
      },
    },
    "/v2/orders": {
      post: {
        operationId: "createOrder",
        "x-gateway": { scope: "reports:run", idempotency: false },
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/Order" } },
          },
        },
        responses: { "201": { description: "The order." } },
      },
    },
    "/__test/echo/reports/heavy": {
      post: {
        operationId: "heavyReport",
        "x-gateway": { scope: "reports:run", cost: 5, idempotency: false },
        responses: { "200": { description: "The report." } },
      },
    },
    "/__test/echo/reports/run": {
      post: {
        operationId: "runReport",
        "x-gateway": {
          scope: "reports:run",
          idempotency: false,
          job: { role: "start", id: "/headers/x-job-name" },
        },
        responses: { "200": { description: "The run, started." } },
      },
    },
    "/__test/echo/reports/{run}/finish": {
      parameters: [{ name: "run", in: "path", required: true, schema: { type: "string" } }],
      post: {
        operationId: "finishReport",
        "x-gateway": {
          scope: "reports:run",
          idempotency: false,
          job: { role: "end", id_param: "run" },
        },
        responses: { "200": { description: "The run, finished." } },
      },
    },
  },
  components: {
    schemas: {
      Order: {
        type: "object",
        required: ["sku", "quantity"],
        properties: {
          sku: { type: "string", pattern: "^[A-Z]{3}-[0-9]{4}$" },
          quantity: { type: "integer", minimum: 1 },
        },
      },
    },
  },
};

const BOTH = ["reports:read", "reports:run"];

function setup(clock = new ManualClock()) {
  return { clock, gw: gateway({ clock, routes: REPORTS_API }) };
}

describe("a route document other than the default", () => {
  it("proxies an operation to the origin for a key holding the document's scope", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: ["reports:read"] });
    const res = await send(gw, account.key, "/__test/echo/reports?page=3", { method: "GET" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.method).toBe("GET");
    expect(res.json.path).toBe("/__test/echo/reports?page=3");
  });

  it("answers 403 to a key without the operation's scope", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: ["reports:read"] });
    const res = await send(gw, account.key, "/__test/echo/reports/heavy", { body: {} });
    expect(res.status, res.text).toBe(403);
    expect(res.json.error.code).toBe("scope_required");
    expect(res.json.path).toBeUndefined();
  });

  it("issues keys only with scopes the document declares", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: BOTH });
    expect(account.issued.scopes.sort()).toEqual(BOTH);
    const refused = await admin(gw, "POST", "/keys", {
      account_id: account.accountId,
      scopes: ["submissions:write"],
    });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.json.error.details.field).toBe("scopes");
  });

  it("refuses a body against the document's schema with invalid_body, before the origin", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: BOTH });
    const tag = uniqueId("orders");
    const headers = { "X-Test-Tag": tag };
    const missing = await send(gw, account.key, "/v2/orders", {
      headers,
      body: { sku: "ABC-1234" },
    });
    expect(missing.status, missing.text).toBe(400);
    expect(missing.json.error.code).toBe("invalid_body");
    expect(missing.json.error.details.field).toBe("quantity");
    const pattern = await send(gw, account.key, "/v2/orders", {
      headers,
      body: { sku: "abc", quantity: 2 },
    });
    expect(pattern.status, pattern.text).toBe(400);
    expect(pattern.json.error.code).toBe("invalid_body");
    expect(pattern.json.error.details.field).toBe("sku");
    expect((await originStats(tag)).count).toBe(0);

    // A valid body goes on to the origin (which has no such route: its own 404).
    const valid = await send(gw, account.key, "/v2/orders", {
      headers,
      body: { sku: "ABC-1234", quantity: 2 },
    });
    expect(valid.status, valid.text).toBe(404);
    expect(valid.json.error.message).toContain("POST /v2/orders");
    expect((await originStats(tag)).count).toBe(1);
  });

  it("refuses a query parameter against its schema with invalid_parameter", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: BOTH });
    for (const page of ["0", "51", "two", "1.5"]) {
      const res = await send(gw, account.key, `/__test/echo/reports?page=${page}`, {
        method: "GET",
      });
      expect(res.status, `${page}: ${res.text}`).toBe(400);
      expect(res.json.error.code).toBe("invalid_parameter");
      expect(res.json.error.details.field).toBe("page");
    }
    const ok = await send(gw, account.key, "/__test/echo/reports?page=50", { method: "GET" });
    expect(ok.status, ok.text).toBe(200);
  });

  it("counts an operation's cost in units of the per-minute limit", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: BOTH });
    const patched = await admin(gw, "PATCH", `/accounts/${account.accountId}`, {
      limits: { per_minute: 12 },
    });
    expect(patched.status, patched.text).toBe(200);
    const heavy = () => send(gw, account.key, "/__test/echo/reports/heavy", { body: {} });
    const first = await heavy();
    expect(first.status, first.text).toBe(200);
    expect(rateLimitState(first).r).toBe(7);
    const second = await heavy();
    expect(second.status, second.text).toBe(200);
    expect(rateLimitState(second).r).toBe(2);
    const third = await heavy();
    expect(third.status, third.text).toBe(429);
    expect(third.json.error.code).toBe("rate_limited");
    expect(third.json.error.details).toMatchObject({ limit: 12, limit_scope: "account" });
    // RateLimit counts units: the two left are reported, though this request's five do not fit.
    expect(rateLimitState(third).r).toBe(2);

    // Two units are left (a refusal consumed none): an undescribed path (cost 1) still fits.
    clock.advance(1_500);
    const cheap = await send(gw, account.key, "/__test/fast", { body: {} });
    expect(cheap.status, cheap.text).toBe(200);
    expect(rateLimitState(cheap).r).toBe(1);
  });

  it("proxies a path the document does not name for any valid key, at cost 1", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: ["reports:read"] });
    const res = await send(gw, account.key, "/__test/echo/anything/else", { body: "x" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.path).toBe("/__test/echo/anything/else");
    expect(res.json.body).toBe("x");
    expect(rateLimitState(res).r).toBe(59);
  });

  it("takes an in-flight slot for a job start and frees it on the job's end", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock, scopes: BOTH });
    const patched = await admin(gw, "PATCH", `/accounts/${account.accountId}`, {
      limits: { in_flight: 1 },
    });
    expect(patched.status, patched.text).toBe(200);
    const start = (name: string) =>
      send(gw, account.key, "/__test/echo/reports/run", { headers: { "X-Job-Name": name } });
    const first = await start("run-1");
    expect(first.status, first.text).toBe(200);
    const second = await start("run-2");
    expect(second.status, second.text).toBe(429);
    expect(second.json.error.code).toBe("too_many_active_api_requests");
    expect(second.json.error.details).toMatchObject({ used: 1, limit: 1 });

    const finished = await send(gw, account.key, "/__test/echo/reports/run-1/finish", {});
    expect(finished.status, finished.text).toBe(200);
    const third = await start("run-3");
    expect(third.status, third.text).toBe(200);
  });
});
