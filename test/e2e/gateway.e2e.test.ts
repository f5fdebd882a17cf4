// End to end through real HTTP: the gateway under `wrangler dev` (workerd) in front of a real
// origin process on loopback, as `npm start` runs it.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestOrigin, type TestOrigin } from "../support/origin.ts";
import { type RunningGateway, startGateway } from "./support/wrangler-gateway.ts";

const ADMIN_TOKEN = "e2e-admin-token";
let origin: TestOrigin;
let gateway: RunningGateway;
let key: string;
let accountId: string;

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${gateway.url}/_gateway/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}${path}`, { redirect: "manual", ...init });
  const text = await response.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** node:http, for headers fetch refuses to send (Connection, Keep-Alive...). */
function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(`${gateway.url}${path}`, { method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

function auth(extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${key}`, ...extra };
}

beforeAll(async () => {
  origin = await startTestOrigin();
  gateway = await startGateway({
    ORIGIN_URL: origin.url,
    ADMIN_TOKEN,
    ORIGIN_TIMEOUT_MS: "1000",
    ORIGIN_SIGNING_SECRET: "e2e-signing-secret",
  });
  accountId = `e2e-${Date.now()}`;
  expect((await admin("POST", "/accounts", { id: accountId })).status).toBe(201);
  const created = await admin("POST", "/keys", {
    account_id: accountId,
    scopes: ["submissions:read", "submissions:write"],
  });
  expect(created.status).toBe(201);
  key = String(created.json.key);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
});

describe("the gateway over real HTTP", () => {
  it("answers health without auth", async () => {
    const res = await call("/_gateway/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
    expect(res.headers.get("X-Request-Id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  });

  it("answers its own errors in the envelope with the request id", async () => {
    const res = await call("/v1/submissions", { headers: { "X-Request-Id": "e2e-missing" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("Content-Type")).toBe("application/json");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("WWW-Authenticate")).toBe("Bearer");
    expect(res.headers.get("X-Request-Id")).toBe("e2e-missing");
    expect(res.json).toEqual({
      error: {
        code: "missing_credentials",
        message: expect.any(String),
        details: {},
        request_id: "e2e-missing",
      },
    });
  });

  it("runs the submission flow: create, idempotent replay, get, list, with RateLimit headers", async () => {
    const body = JSON.stringify({ name: "e2e", num_generations: 10, num_genes: 4 });
    const headers = auth({ "Content-Type": "application/json", "Idempotency-Key": "e2e-create-1" });
    const created = await call("/v1/submissions", { method: "POST", headers, body });
    expect(created.status).toBe(201);
    expect(created.headers.get("RateLimit-Policy")).toBe(
      '"minute";q=60;w=60, "daily";q=100;w=86400, "active";q=5;qu="concurrent-requests"',
    );
    expect(created.headers.get("RateLimit")).toMatch(/^"minute";r=\d+;t=\d+$/);
    const replay = await call("/v1/submissions", { method: "POST", headers, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(created.text);
    const id = String(created.json?.id);
    const got = await call(`/v1/submissions/${id}`, { headers: auth() });
    expect(got.status).toBe(200);
    expect(got.json?.id).toBe(id);
    const listed = await call("/v1/submissions?limit=10", { headers: auth() });
    expect(listed.status).toBe(200);
    const usage = await admin("GET", `/accounts/${accountId}`);
    expect(
      (usage.json.usage as { active: { submissions: string[] } }).active.submissions,
    ).toContain(id);
  });

  // wrangler dev's local proxy consumes the Connection header before the Worker sees it, so the
  // headers it names are checked in test/worker/proxy/header-hygiene.test.ts (raw workerd passes
  // Connection through to the Worker, and the gateway strips what it names).
  it("strips Authorization, client X-Gateway-* and hop-by-hop headers, and signs what it sends", async () => {
    const res = await rawGet(
      "/__test/echo/e2e?x=1",
      auth({
        "X-Gateway-Account-Id": "forged",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic eDp5",
        TE: "trailers",
        "X-Request-Id": "e2e-echo",
      }),
    );
    expect(res.status).toBe(200);
    const seen = (JSON.parse(res.body) as { headers: Record<string, string> }).headers;
    expect(seen.authorization).toBeUndefined();
    expect(seen["keep-alive"]).toBeUndefined();
    expect(seen["proxy-authorization"]).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen["x-gateway-account-id"]).toBe(accountId);
    expect(seen["x-request-id"]).toBe("e2e-echo");
    expect(seen["x-gateway-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it("passes redirects back without following them", async () => {
    const res = await call("/__test/redirect", { headers: auth() });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/v1/elsewhere");
  });

  it("maps an origin timeout and an HTML 502 to 503 service_unavailable with Retry-After", async () => {
    const slow = await call("/__test/fast", { headers: auth({ "X-Test-Delay-Ms": "3000" }) });
    expect(slow.status).toBe(503);
    expect(slow.json?.error).toMatchObject({ details: { reason: "origin_timeout" } });
    expect(slow.headers.get("Retry-After")).toMatch(/^\d+$/);
    const html = await call("/__test/fast", {
      headers: auth({ "X-Test-Status": "502", "X-Test-Body": "html" }),
    });
    expect(html.status).toBe(503);
    expect(html.text).not.toContain("<html>");
    expect(html.headers.get("Retry-After")).toMatch(/^\d+$/);
  });

  it("rejects an oversized chunked body with 413 without reaching the origin", async () => {
    // node:http, chunked (no Content-Length). The gateway may answer and close before the
    // client has sent everything, so a write error after the answer arrived is expected.
    const answer = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = httpRequest(`${gateway.url}/v1/submissions`, {
        method: "POST",
        headers: auth({ "Content-Type": "application/json", "X-Test-Tag": "e2e-413" }),
      });
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => done({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", (error) => {
        if (!answered) fail(error);
      });
      const chunk = Buffer.alloc(16 * 1024, 32);
      for (let i = 0; i < 10; i++) req.write(chunk);
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatchObject({
      code: "invalid_body",
      details: { reason: "body_too_large" },
    });
    const stats = (await fetch(`${origin.url}/__test/stats?tag=e2e-413`).then((r) => r.json())) as {
      count: number;
    };
    expect(stats.count).toBe(0);
  });

  it("logs one JSON line per request and never a key", async () => {
    await call("/__test/fast", { headers: auth({ "X-Request-Id": "e2e-log-line" }) });
    await new Promise((r) => setTimeout(r, 300));
    const output = gateway.output();
    const line = output.split("\n").find((l) => l.includes('"request_id":"e2e-log-line"'));
    expect(line).toBeDefined();
    expect(output).not.toContain(key);
    expect(output).not.toContain(ADMIN_TOKEN);
  });
});
