// The x-gateway fields the other route-document tests leave out, each through real HTTP on a
// document of its own (contract section 10): body_limit_bytes, idempotency (on and off),
// daily_quota, and a job read whose terminal status frees the slot. The test origin's echo
// endpoint answers what it received, its headers included.
import { describe, expect, it } from "vitest";
import { admin, createAccount } from "../support/accounts";
import { gateway, ManualClock } from "../support/gateway";
import { send } from "../support/requests";

const SCOPES = ["jobs:run"];
const echo = (xGateway: Record<string, unknown>) => ({
  "x-gateway": { scope: "jobs:run", ...xGateway },
  responses: { "200": { description: "What the origin received." } },
});

const JOBS_API = {
  openapi: "3.1.0",
  info: { title: "Jobs API", version: "1.0.0" },
  "x-gateway": { scopes: SCOPES },
  paths: {
    "/__test/echo/search": {
      get: {
        ...echo({}),
        parameters: [
          { name: "sort", in: "query", schema: { type: "string", enum: ["new", "old"] } },
          { name: "q", in: "query", schema: { type: "string", maxLength: 8, pattern: "^[a-z]+$" } },
          { name: "n", in: "query", schema: { type: "integer", multipleOf: 5, maximum: 50 } },
        ],
      },
    },
    "/__test/echo/notes": {
      post: {
        ...echo({ idempotency: false }),
        requestBody: {
          content: {
            "application/json": {
              schema: { type: "object", properties: { text: { type: "string" } } },
            },
          },
        },
      },
    },
    "/__test/echo/upload": { post: echo({ body_limit_bytes: 16, idempotency: false }) },
    "/__test/echo/keyed": { post: echo({}) },
    "/__test/echo/unkeyed": { post: echo({ idempotency: false }) },
    "/__test/echo/exports": { post: echo({ daily_quota: true, idempotency: false }) },
    "/__test/echo/runs": {
      post: echo({ idempotency: false, job: { role: "start", id: "/headers/x-run" } }),
    },
    "/__test/echo/runs/{run}": {
      parameters: [{ name: "run", in: "path", required: true, schema: { type: "string" } }],
      get: echo({
        job: { role: "read", id_param: "run", status: "/headers/x-run-status", terminal: ["done"] },
      }),
    },
  },
};

async function setup(limits?: Record<string, number>) {
  const clock = new ManualClock();
  const gw = gateway({ clock, routes: JOBS_API });
  const account = await createAccount(gw, { clock, scopes: SCOPES });
  if (limits !== undefined) {
    const patched = await admin(gw, "PATCH", `/accounts/${account.accountId}`, { limits });
    expect(patched.status, patched.text).toBe(200);
  }
  return { gw, account };
}

describe("x-gateway fields", () => {
  it("a requestBody that is not required may be empty; one that is given is validated", async () => {
    const { gw, account } = await setup();
    const empty = await send(gw, account.key, "/__test/echo/notes", { body: "" });
    expect(empty.status, empty.text).toBe(200);
    const bad = await send(gw, account.key, "/__test/echo/notes", { body: { text: 5 } });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.json.error.details.field).toBe("text");
  });

  it("query schemas beyond bounds (enum, pattern, multipleOf) go to the validator", async () => {
    const { gw, account } = await setup();
    const get = (query: string) =>
      send(gw, account.key, `/__test/echo/search?${query}`, { method: "GET" });
    expect((await get("sort=new&q=abc&n=10")).status).toBe(200);
    for (const [query, field] of [
      ["sort=newest", "sort"],
      ["q=ABC", "q"],
      ["q=abcdefghi", "q"],
      ["n=7", "n"],
      ["n=55", "n"],
    ]) {
      const res = await get(query as string);
      expect(res.status, query).toBe(400);
      expect(res.json.error.code).toBe("invalid_parameter");
      expect(res.json.error.details.field, query).toBe(field);
    }
  });

  it("body_limit_bytes: a larger body is 413 before the origin, one within it passes", async () => {
    const { gw, account } = await setup();
    const over = await send(gw, account.key, "/__test/echo/upload", { body: "x".repeat(17) });
    expect(over.status, over.text).toBe(413);
    expect(over.json.error.code).toBe("invalid_body");
    const within = await send(gw, account.key, "/__test/echo/upload", { body: "x".repeat(16) });
    expect(within.status, within.text).toBe(200);
  });

  it("idempotency: processed by default on a POST (replayed), passed through untouched when false", async () => {
    const { gw, account } = await setup();
    const twice = async (path: string) => {
      const first = await send(gw, account.key, path, { body: {}, idempotencyKey: "same-key" });
      const second = await send(gw, account.key, path, { body: {}, idempotencyKey: "same-key" });
      expect(first.status, first.text).toBe(200);
      expect(second.status, second.text).toBe(200);
      return second;
    };
    const keyed = await twice("/__test/echo/keyed");
    expect(keyed.headers.get("Idempotent-Replayed")).toBe("true");
    const unkeyed = await twice("/__test/echo/unkeyed");
    expect(unkeyed.headers.get("Idempotent-Replayed")).toBeNull();
    // The origin saw the second request, with the client's key as sent.
    expect(unkeyed.json.headers["idempotency-key"]).toBe("same-key");
  });

  it("daily_quota: the operation takes a unit of the daily quota; others take none", async () => {
    const { gw, account } = await setup({ per_day: 1 });
    for (let i = 0; i < 3; i += 1) {
      expect((await send(gw, account.key, "/__test/echo/unkeyed", { body: {} })).status).toBe(200);
    }
    const first = await send(gw, account.key, "/__test/echo/exports", { body: {} });
    expect(first.status, first.text).toBe(200);
    const second = await send(gw, account.key, "/__test/echo/exports", { body: {} });
    expect(second.status, second.text).toBe(429);
    expect(second.json.error.code).toBe("capacity_exceeded");
    expect(second.json.error.details).toMatchObject({ reason: "daily_quota", used: 1, limit: 1 });
  });

  it("job read: a 2xx whose status is terminal frees the job's slot, any other keeps it", async () => {
    const { gw, account } = await setup({ in_flight: 1 });
    const start = (run: string) =>
      send(gw, account.key, "/__test/echo/runs", { headers: { "X-Run": run } });
    const read = (run: string, status: string) =>
      send(gw, account.key, `/__test/echo/runs/${run}`, {
        method: "GET",
        headers: { "X-Run-Status": status },
      });
    expect((await start("run-1")).status).toBe(200);
    expect((await read("run-1", "running")).status).toBe(200);
    const held = await start("run-2");
    expect(held.status, held.text).toBe(429);
    expect(held.json.error.code).toBe("too_many_active_api_requests");
    expect((await read("run-1", "done")).status).toBe(200);
    expect((await start("run-3")).status).toBe(200);
  });
});
