// Pins the behaviour of the bundled demo origin that the gateway's tests and benchmark rely on:
// the submissions lifecycle and its envelopes, release reports, and the test controls.
import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type DemoOrigin, startDemoOrigin } from "../../scripts/demo-origin/index.ts";
import { startTestOrigin } from "../support/origin.ts";

interface Release {
  path: string;
  authorization: string | undefined;
}

/** A stand-in for the gateway's admin API that records release calls. */
async function startFakeGateway() {
  const releases: Release[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    releases.push({ path: req.url ?? "", authorization: req.headers.authorization });
    for (const wake of waiters.splice(0)) wake();
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"released":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    releases,
    /** Resolves once `count` release calls have arrived. */
    async waitForReleases(count: number): Promise<Release[]> {
      while (releases.length < count) await new Promise<void>((wake) => waiters.push(wake));
      return releases;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Envelope {
  error: { code: string; message: string; details: Record<string, unknown>; request_id: string };
}

function client(origin: () => DemoOrigin) {
  return async function call(
    path: string,
    init: {
      method?: string;
      account?: string | null;
      headers?: Record<string, string>;
      body?: unknown;
    } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.account !== null) headers["x-gateway-account-id"] = init.account ?? "acct_a";
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(`${origin().url}${path}`, {
      method: init.method ?? "GET",
      headers,
      body,
      redirect: "manual",
    });
    const text = await response.text();
    return { response, text, json: () => JSON.parse(text) as Record<string, unknown> & Envelope };
  };
}

describe("demo origin submissions", () => {
  let clock = Date.parse("2030-01-01T00:00:00.000Z");
  let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
  let origin: DemoOrigin;
  const call = client(() => origin);

  beforeAll(async () => {
    gateway = await startFakeGateway();
    origin = await startDemoOrigin({
      port: 0,
      runSeconds: 1,
      now: () => clock,
      gatewayUrl: gateway.url,
      adminToken: "admin-secret",
    });
  });
  afterAll(async () => {
    await origin.close();
    await gateway.close();
  });

  it("runs a submission queued, running, succeeded and reports the end to the gateway once", async () => {
    const created = await call("/v1/submissions", {
      method: "POST",
      account: "acct_life",
      headers: { "x-request-id": "req-life-1" },
      body: { name: "first", num_generations: 50, num_genes: 8, extra: { keep: true } },
    });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get("x-request-id")).toBe("req-life-1");
    const sub = created.json();
    expect(sub).toMatchObject({
      status: "queued",
      created_at: "2030-01-01T00:00:00.000Z",
      name: "first",
      num_generations: 50,
      num_genes: 8,
      extra: { keep: true },
      credits_charged: 5,
    });
    expect(sub.id).toMatch(/^sub_[A-Za-z0-9]{20}$/);
    expect(created.response.headers.get("location")).toBe(`/v1/submissions/${sub.id}`);

    clock += 250;
    const running = (await call(`/v1/submissions/${sub.id}`, { account: "acct_life" })).json();
    expect(running.status).toBe("running");
    expect(running.started_at).toBe("2030-01-01T00:00:00.200Z");
    expect(gateway.releases).toHaveLength(0);

    clock += 800;
    const done = (await call(`/v1/submissions/${sub.id}`, { account: "acct_life" })).json();
    expect(done).toMatchObject({ status: "succeeded", finished_at: "2030-01-01T00:00:01.000Z" });
    const [release] = await gateway.waitForReleases(1);
    expect(release).toEqual({
      path: `/_gateway/admin/accounts/acct_life/submissions/${sub.id}/release`,
      authorization: "Bearer admin-secret",
    });

    // Reading it again announces nothing; a later cancel is the only other report.
    await call(`/v1/submissions/${sub.id}`, { account: "acct_life" });
    const other = (
      await call("/v1/submissions", { method: "POST", account: "acct_life", body: {} })
    ).json();
    await call(`/v1/submissions/${other.id}/cancel`, { method: "POST", account: "acct_life" });
    const releases = await gateway.waitForReleases(2);
    expect(releases.map((r) => r.path.split("/")[6])).toEqual([sub.id, other.id]);
  });

  it("cancels a live run once and answers 409 state_conflict afterwards", async () => {
    const sub = (await call("/v1/submissions", { method: "POST", body: { name: "c" } })).json();
    const cancelled = await call(`/v1/submissions/${sub.id}/cancel`, { method: "POST" });
    expect(cancelled.response.status).toBe(200);
    expect(cancelled.json()).toMatchObject({ id: sub.id, status: "cancelled" });

    const again = await call(`/v1/submissions/${sub.id}/cancel`, {
      method: "POST",
      headers: { "x-request-id": "req-again" },
    });
    expect(again.response.status).toBe(409);
    expect(again.json()).toEqual({
      error: {
        code: "state_conflict",
        message: expect.any(String),
        details: { status: "cancelled" },
        request_id: "req-again",
      },
    });
  });

  it("answers 401 missing_credentials without the gateway's account header", async () => {
    const { response, json } = await call("/v1/submissions", {
      account: null,
      headers: { "x-request-id": "req-anon" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-request-id")).toBe("req-anon");
    expect(json().error).toMatchObject({
      code: "missing_credentials",
      details: {},
      request_id: "req-anon",
    });
  });

  it("hides other accounts' submissions behind 404 not_found", async () => {
    const sub = (
      await call("/v1/submissions", { method: "POST", account: "owner", body: {} })
    ).json();
    for (const [method, path] of [
      ["GET", `/v1/submissions/${sub.id}`],
      ["POST", `/v1/submissions/${sub.id}/cancel`],
      ["DELETE", `/v1/submissions/${sub.id}`],
    ] as const) {
      const { response, json } = await call(path, { method, account: "intruder" });
      expect(response.status).toBe(404);
      expect(json().error.code).toBe("not_found");
    }
    expect((await call(`/v1/submissions/${sub.id}`, { account: "owner" })).response.status).toBe(
      200,
    );
  });

  it("rejects inconsistent or malformed bodies with 422 validation_failed and 400 invalid_body", async () => {
    const inconsistent = await call("/v1/submissions", {
      method: "POST",
      body: { num_generations: 10, num_genes: 11 },
    });
    expect(inconsistent.response.status).toBe(422);
    expect(inconsistent.json().error).toMatchObject({
      code: "validation_failed",
      details: { field: "num_genes", num_genes: 11, num_generations: 10 },
    });

    const reserved = await call("/v1/submissions", { method: "POST", body: { status: "done" } });
    expect(reserved.response.status).toBe(422);
    expect(reserved.json().error.details).toEqual({ field: "status" });

    const notJson = await call("/v1/submissions", { method: "POST", body: "{nope" });
    expect(notJson.response.status).toBe(400);
    expect(notJson.json().error).toMatchObject({ code: "invalid_body", details: {} });

    const notInteger = await call("/v1/submissions", { method: "POST", body: { num_genes: 1.5 } });
    expect(notInteger.response.status).toBe(400);
    expect(notInteger.json().error.details).toEqual({ field: "num_genes" });
  });

  it("answers 402 insufficient_credits once the account's 1000 credits are spent", async () => {
    // 9991 generations cost ceil(999.1) = 1000 credits: the whole starting balance.
    const big = await call("/v1/submissions", {
      method: "POST",
      account: "spender",
      body: { num_generations: 9991 },
    });
    expect(big.json().credits_charged).toBe(1000);

    const broke = await call("/v1/submissions", { method: "POST", account: "spender", body: {} });
    expect(broke.response.status).toBe(402);
    expect(broke.json().error).toMatchObject({
      code: "insufficient_credits",
      details: { required: 1, balance: 0 },
    });
    const neighbour = await call("/v1/submissions", { method: "POST", account: "saver", body: {} });
    expect(neighbour.response.status).toBe(201);
  });

  it("lists an account's submissions newest first with an opaque cursor", async () => {
    const ids: string[] = [];
    for (const name of ["one", "two", "three"]) {
      ids.push(
        String(
          (
            await call("/v1/submissions", { method: "POST", account: "lister", body: { name } })
          ).json().id,
        ),
      );
    }
    const first = (await call("/v1/submissions?limit=2", { account: "lister" })).json();
    expect((first.data as Array<{ id: string }>).map((s) => s.id)).toEqual([ids[2], ids[1]]);
    expect(first.next_cursor).toEqual(expect.any(String));

    const second = (
      await call(`/v1/submissions?limit=2&cursor=${first.next_cursor}`, { account: "lister" })
    ).json();
    expect((second.data as Array<{ id: string }>).map((s) => s.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();

    expect((await call("/v1/submissions", { account: "nobody" })).json()).toEqual({
      data: [],
      next_cursor: null,
    });
    const badLimit = await call("/v1/submissions?limit=101", { account: "lister" });
    expect(badLimit.response.status).toBe(400);
    expect(badLimit.json().error).toMatchObject({
      code: "invalid_parameter",
      details: { field: "limit" },
    });
    const badCursor = await call("/v1/submissions?cursor=garbage", { account: "lister" });
    expect(badCursor.json().error.details).toEqual({ field: "cursor" });
  });

  it("deletes a submission, which then is not found", async () => {
    const sub = (
      await call("/v1/submissions", { method: "POST", account: "deleter", body: {} })
    ).json();
    const deleted = await call(`/v1/submissions/${sub.id}`, {
      method: "DELETE",
      account: "deleter",
    });
    expect(deleted.response.status).toBe(200);
    expect(deleted.json()).toEqual({ id: sub.id, deleted: true });
    const gone = await call(`/v1/submissions/${sub.id}`, { account: "deleter" });
    expect(gone.response.status).toBe(404);
  });

  it("refuses a write when the gateway forwards scopes without submissions:write", async () => {
    const { response, json } = await call("/v1/submissions", {
      method: "POST",
      headers: { "x-gateway-scopes": "submissions:read" },
      body: {},
    });
    expect(response.status).toBe(403);
    expect(json().error).toMatchObject({
      code: "scope_required",
      details: { required_scope: "submissions:write" },
    });
  });

  it("ignores test-control headers and hides /__test when test controls are off", async () => {
    const health = await call("/health", {
      account: null,
      headers: { "x-test-status": "500", "x-test-delay-ms": "5000" },
    });
    expect(health.response.status).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });
    expect((await call("/__test/fast", { account: null })).response.status).toBe(401);
    expect((await call("/__test/fast")).response.status).toBe(404);
  });
});

describe("demo origin test controls", () => {
  let origin: DemoOrigin;
  const call = client(() => origin);

  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(() => origin.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits X-Test-Delay-Ms before answering", async () => {
    const started = performance.now();
    const { response } = await call("/__test/fast", { headers: { "x-test-delay-ms": "150" } });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("answers X-Test-Status as an envelope with X-Test-Retry-After", async () => {
    const { response, json } = await call("/v1/submissions", {
      method: "POST",
      headers: { "x-test-status": "503", "x-test-retry-after": "7", "x-request-id": "req-t1" },
      body: {},
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.headers.get("x-request-id")).toBe("req-t1");
    expect(json()).toEqual({
      error: {
        code: "service_unavailable",
        message: expect.any(String),
        details: {},
        request_id: "req-t1",
      },
    });
  });

  it("answers X-Test-Status as an HTML page or an empty body on request", async () => {
    const html = await call("/v1/submissions", {
      headers: { "x-test-status": "502", "x-test-body": "html" },
    });
    expect(html.response.status).toBe(502);
    expect(html.response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html.text).toMatch(/^<html>.*<\/html>$/);

    const empty = await call("/anything", {
      headers: { "x-test-status": "500", "x-test-body": "empty" },
    });
    expect(empty.response.status).toBe(500);
    expect(empty.text).toBe("");
  });

  it("rejects a malformed test header loudly", async () => {
    const { response, json } = await call("/__test/fast", { headers: { "x-test-status": "abc" } });
    expect(response.status).toBe(400);
    expect(json().error).toMatchObject({
      code: "invalid_parameter",
      details: { field: "X-Test-Status" },
    });
  });

  it("echoes method, raw path, every header and the body", async () => {
    const rawPath = "/__test/echo/a/../b%2Fc?x=1&x=2&y=%20";
    const body = Buffer.from("héllo", "utf8");
    const echoed = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: origin.port,
          method: "PUT",
          path: rawPath,
          headers: { "X-Custom": "Value", "content-length": String(body.length) },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(echoed).toMatchObject({
      method: "PUT",
      path: rawPath,
      headers: { "x-custom": "Value", "content-length": "6" },
      body: "héllo",
      body_bytes: 6,
    });
  });

  it("counts tagged requests, their concurrency and creates, and resets the counts", async () => {
    const tag = "concurrency";
    const tagged = { "x-test-tag": tag };
    await call(`/__test/reset-stats?tag=${tag}`, { method: "POST" });
    const slow = Array.from({ length: 5 }, () =>
      call("/__test/fast", { headers: { ...tagged, "x-test-delay-ms": "300" } }),
    );
    await vi.waitFor(async () => {
      expect((await call(`/__test/stats?tag=${tag}`, { headers: tagged })).json().in_flight).toBe(
        5,
      );
    });
    await Promise.all(slow);
    await call("/v1/submissions", { method: "POST", headers: tagged, body: {} });
    await call("/__test/echo/not-counted", { headers: tagged });

    expect((await call(`/__test/stats?tag=${tag}`)).json()).toEqual({
      count: 6,
      in_flight: 0,
      max_in_flight: 5,
      creates: 1,
      executed_creates: 1,
    });
    await call(`/__test/reset-stats?tag=${tag}`, { method: "POST" });
    expect((await call(`/__test/stats?tag=${tag}`)).json()).toEqual({
      count: 0,
      in_flight: 0,
      max_in_flight: 0,
      creates: 0,
      executed_creates: 0,
    });
  });

  it("stops counting a delayed request in flight when its client hangs up", async () => {
    const tag = "hangup";
    const abort = new AbortController();
    const pending = fetch(`${origin.url}/__test/fast`, {
      headers: { "x-test-tag": tag, "x-test-delay-ms": "60000" },
      signal: abort.signal,
    }).catch(() => "aborted");
    await vi.waitFor(async () => {
      expect((await call(`/__test/stats?tag=${tag}`)).json().in_flight).toBe(1);
    });
    abort.abort();
    expect(await pending).toBe("aborted");
    await vi.waitFor(async () => {
      expect((await call(`/__test/stats?tag=${tag}`)).json().in_flight).toBe(0);
    });
  });

  it("redirects, cuts a body mid-way and streams a big body", async () => {
    const redirect = await call("/__test/redirect");
    expect(redirect.response.status).toBe(302);
    expect(redirect.response.headers.get("location")).toBe("/v1/elsewhere");

    const cut = await fetch(`${origin.url}/__test/reset`);
    expect(cut.status).toBe(200);
    await expect(cut.arrayBuffer()).rejects.toThrow();

    const big = await fetch(`${origin.url}/__test/big?bytes=200000`);
    expect(big.headers.get("content-type")).toBe("application/octet-stream");
    const bytes = Buffer.from(await big.arrayBuffer());
    expect(bytes.length).toBe(200000);
    expect(bytes.every((b) => b === 0x78)).toBe(true);
  });
});
