// Pins the demo origin's own Idempotency-Key de-duplication (a repeat of a keyed write is
// replayed, not executed again) and the test controls that make a request's answer late or
// lost after the fact: X-Test-Body-Delay-Ms and X-Test-Drop.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Answer } from "../../scripts/demo-origin/http-util.ts";
import {
  IDEMPOTENCY_RETENTION_MS,
  IdempotencyReplay,
  type KeyedRequest,
} from "../../scripts/demo-origin/idempotency-replay.ts";
import { type DemoOrigin, startDemoOrigin } from "../../scripts/demo-origin/index.ts";

interface Sent {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: () => {
    id: string;
    credits_charged: number;
    error: { code: string; details: Record<string, unknown>; request_id: string };
  };
}

let clock = Date.parse("2031-06-01T00:00:00.000Z");
let origin: DemoOrigin;
let counter = 0;

/** A fresh name per call, so no two tests share an account, key or tag. */
function unique(prefix: string): string {
  counter++;
  return `${prefix}-${counter}`;
}

async function send(
  path: string,
  init: { method?: string; account: string; headers?: Record<string, string>; body?: unknown },
): Promise<Sent> {
  const headers: Record<string, string> = {
    "x-gateway-account-id": init.account,
    ...init.headers,
  };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(`${origin.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    json: () => JSON.parse(bytes.toString("utf8")),
  };
}

function create(account: string, key: string | undefined, headers: Record<string, string> = {}) {
  return send("/v1/submissions", {
    method: "POST",
    account,
    headers: key === undefined ? headers : { ...headers, "idempotency-key": key },
    body: { name: "idem", num_generations: 100 },
  });
}

async function submissionIds(account: string): Promise<string[]> {
  const page = await send("/v1/submissions?limit=100", { account });
  return (JSON.parse(page.bytes.toString("utf8")).data as Array<{ id: string }>).map((s) => s.id);
}

/** The balance, read from the 402 of a create that costs more than any account can have. */
async function balance(account: string): Promise<unknown> {
  const probe = await send("/v1/submissions", {
    method: "POST",
    account,
    body: { num_generations: 100_000 },
  });
  expect(probe.status).toBe(402);
  return probe.json().error.details.balance;
}

async function stats(tag: string): Promise<Record<string, number>> {
  const res = await fetch(`${origin.url}/__test/stats?tag=${tag}`);
  return (await res.json()) as Record<string, number>;
}

function expectEnvelope(sent: Sent, status: number, code: string, requestId: string): void {
  expect(sent.status).toBe(status);
  expect(sent.headers.get("content-type")).toBe("application/json");
  expect(sent.headers.get("idempotent-replayed")).toBeNull();
  expect(sent.json()).toEqual({
    error: {
      code,
      message: expect.any(String),
      details: status === 409 ? { retry_after: 1 } : {},
      request_id: requestId,
    },
  });
}

beforeAll(async () => {
  origin = await startDemoOrigin({ port: 0, runSeconds: 2, testControls: true, now: () => clock });
});
afterAll(() => origin.close());

describe("demo origin Idempotency-Key", () => {
  it("replays a repeated keyed create byte for byte with Idempotent-Replayed, executing it once", async () => {
    const account = unique("acct");
    const tag = unique("tag");
    const key = unique("key");
    const first = await create(account, key, { "x-test-tag": tag, "x-request-id": "req-1" });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await create(account, key, { "x-test-tag": tag, "x-request-id": "req-2" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(again.headers.get("location")).toBe(`/v1/submissions/${first.json().id}`);
    expect(again.headers.get("content-length")).toBe(String(first.bytes.length));
    // The exchange is this one; the answer is the stored one.
    expect(again.headers.get("x-request-id")).toBe("req-2");

    expect(await submissionIds(account)).toEqual([first.json().id]);
    // 100 generations cost 10 credits, charged once.
    expect(first.json().credits_charged).toBe(10);
    expect(await balance(account)).toBe(990);
    expect(await stats(tag)).toMatchObject({ creates: 2, executed_creates: 1 });
  });

  it("replays a keyed DELETE instead of running it again (which would be a 404)", async () => {
    const account = unique("acct");
    const sub = (await create(account, undefined)).json();
    const key = unique("key");
    const remove = () =>
      send(`/v1/submissions/${sub.id}`, {
        method: "DELETE",
        account,
        headers: { "idempotency-key": key },
      });
    const first = await remove();
    expect(first.status).toBe(200);
    const again = await remove();
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.bytes.equals(first.bytes)).toBe(true);
    // Without the key, the same request runs and finds nothing.
    const unkeyed = await send(`/v1/submissions/${sub.id}`, { method: "DELETE", account });
    expect(unkeyed.status).toBe(404);
  });

  it("answers 422 idempotency_key_mismatch for another body, path or method under the key", async () => {
    const account = unique("acct");
    const key = unique("key");
    const headers = { "idempotency-key": key, "x-request-id": "req-mismatch" };
    const first = await create(account, key);
    expect(first.status).toBe(201);
    const id = first.json().id;

    const otherBody = await send("/v1/submissions", {
      method: "POST",
      account,
      headers,
      body: { name: "idem", num_generations: 101 },
    });
    expectEnvelope(otherBody, 422, "idempotency_key_mismatch", "req-mismatch");
    const otherPath = await send(`/v1/submissions/${id}/cancel`, {
      method: "POST",
      account,
      headers,
    });
    expectEnvelope(otherPath, 422, "idempotency_key_mismatch", "req-mismatch");
    const otherMethod = await send(`/v1/submissions/${id}`, { method: "DELETE", account, headers });
    expectEnvelope(otherMethod, 422, "idempotency_key_mismatch", "req-mismatch");
    const otherQuery = await send("/v1/submissions?x=1", {
      method: "POST",
      account,
      headers,
      body: { name: "idem", num_generations: 100 },
    });
    expectEnvelope(otherQuery, 422, "idempotency_key_mismatch", "req-mismatch");

    // Nothing of it ran: the run is not cancelled or deleted, and the original still replays.
    expect((await send(`/v1/submissions/${id}`, { account })).json()).toMatchObject({
      id,
      status: "queued",
    });
    expect(await submissionIds(account)).toEqual([id]);
    expect((await create(account, key)).headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers 409 idempotency_key_in_progress with Retry-After: 1 while the first still runs", async () => {
    const account = unique("acct");
    const tag = unique("tag");
    const key = unique("key");
    const slow = create(account, key, { "x-test-tag": tag, "x-test-delay-ms": "400" });
    await vi.waitFor(async () => expect((await stats(tag)).in_flight).toBe(1));

    const duplicate = await create(account, key, { "x-request-id": "req-dup" });
    expectEnvelope(duplicate, 409, "idempotency_key_in_progress", "req-dup");
    expect(duplicate.headers.get("retry-after")).toBe("1");
    expect(await submissionIds(account)).toEqual([]);

    const first = await slow;
    expect(first.status).toBe(201);
    const replay = await create(account, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.bytes.equals(first.bytes)).toBe(true);
    expect(await submissionIds(account)).toEqual([first.json().id]);
  });

  it("frees the key when the client hangs up before the route ran (X-Test-Delay-Ms)", async () => {
    const account = unique("acct");
    const tag = unique("tag");
    const key = unique("key");
    const abort = new AbortController();
    const pending = fetch(`${origin.url}/v1/submissions`, {
      method: "POST",
      headers: {
        "x-gateway-account-id": account,
        "idempotency-key": key,
        "x-test-tag": tag,
        "x-test-delay-ms": "60000",
        "content-type": "application/json",
      },
      body: "{}",
      signal: abort.signal,
    }).catch(() => "aborted");
    await vi.waitFor(async () => expect((await stats(tag)).in_flight).toBe(1));
    abort.abort();
    expect(await pending).toBe("aborted");
    await vi.waitFor(async () => expect((await stats(tag)).in_flight).toBe(0));

    const retry = await create(account, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await submissionIds(account)).toEqual([retry.json().id]);
  });

  it("does not store an X-Test-Status 503: the retry under the key executes", async () => {
    const account = unique("acct");
    const key = unique("key");
    const unavailable = await create(account, key, { "x-test-status": "503" });
    expect(unavailable.status).toBe(503);
    expect(await submissionIds(account)).toEqual([]);

    const retry = await create(account, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    // Now the create is what is stored.
    const replay = await create(account, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.bytes.equals(retry.bytes)).toBe(true);
  });

  it("scopes keys per account: the same key on two accounts executes twice", async () => {
    const key = unique("key");
    const [one, two] = [unique("acct"), unique("acct")];
    const a = await create(one, key);
    const b = await create(two, key);
    for (const sent of [a, b]) {
      expect(sent.status).toBe(201);
      expect(sent.headers.get("idempotent-replayed")).toBeNull();
    }
    expect(a.json().id).not.toBe(b.json().id);
    expect(await submissionIds(one)).toEqual([a.json().id]);
    expect(await submissionIds(two)).toEqual([b.json().id]);
  });

  it("keeps an answer 24 h by the injected clock, then executes the key again", async () => {
    const account = unique("acct");
    const key = unique("key");
    const first = await create(account, key);
    expect(first.status).toBe(201);

    clock += IDEMPOTENCY_RETENTION_MS - 1;
    const replay = await create(account, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.bytes.equals(first.bytes)).toBe(true);

    clock += 1;
    const again = await create(account, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.json().id).not.toBe(first.json().id);
    expect(await submissionIds(account)).toEqual([again.json().id, first.json().id]);
  });

  it("ignores the key on GET and outside /v1/", async () => {
    const account = unique("acct");
    const key = unique("key");
    await create(account, undefined);
    const headers = { "idempotency-key": key };
    const list = await send("/v1/submissions", { account, headers });
    await create(account, undefined);
    const later = await send("/v1/submissions", { account, headers });
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(later.bytes.equals(list.bytes)).toBe(false);

    const echo = { method: "POST", account, headers, body: { n: 1 } };
    const echoed = await send("/__test/echo", echo);
    expect((await send("/__test/echo", echo)).headers.get("idempotent-replayed")).toBeNull();
    expect(echoed.status).toBe(200);
  });
});

describe("IdempotencyReplay", () => {
  const request = (key: string, body = "{}"): KeyedRequest => ({
    accountId: "acct",
    key,
    method: "POST",
    target: "/v1/things",
    body: Buffer.from(body),
  });
  const answer = (status: number, body = `{"status":${status}}`): Answer => ({
    status,
    headers: { "content-type": "application/json", location: "/x", "cache-control": "no-store" },
    body: Buffer.from(body),
  });

  it.each([408, 425, 429, 500, 502, 503, 504, 599])(
    "does not store a %i: the key is free for the next execution",
    async (status) => {
      const replay = new IdempotencyReplay({ now: () => 0 });
      const execute = vi.fn(async () => answer(status));
      expect((await replay.run(request("k"), "r1", execute))?.status).toBe(status);
      expect((await replay.run(request("k"), "r2", execute))?.status).toBe(status);
      expect(execute).toHaveBeenCalledTimes(2);
      expect(replay.size).toBe(0);
    },
  );

  it.each([200, 201, 400, 402, 404, 409, 422])(
    "stores a %i and replays it with only content-type and location",
    async (status) => {
      const replay = new IdempotencyReplay({ now: () => 0 });
      const execute = vi.fn(async () => answer(status));
      await replay.run(request("k"), "r1", execute);
      const replayed = await replay.run(request("k"), "r2", execute);
      expect(execute).toHaveBeenCalledTimes(1);
      expect(replayed).toEqual({
        status,
        headers: {
          "content-type": "application/json",
          location: "/x",
          "idempotent-replayed": "true",
        },
        body: Buffer.from(`{"status":${status}}`),
      });
    },
  );

  it("frees the key when the execution throws or gives no answer", async () => {
    const replay = new IdempotencyReplay({ now: () => 0 });
    await expect(
      replay.run(request("k"), "r1", async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await replay.run(request("k"), "r2", async () => undefined)).toBeUndefined();
    expect(replay.size).toBe(0);
    expect((await replay.run(request("k"), "r3", async () => answer(201)))?.status).toBe(201);
  });

  it("drops expired keys from memory, not only when they are asked for again", async () => {
    let now = 0;
    const replay = new IdempotencyReplay({ now: () => now, retentionMs: 1_000 });
    await replay.run(request("a"), "r", async () => answer(201));
    now = 999;
    await replay.run(request("b"), "r", async () => answer(201));
    expect(replay.size).toBe(2);
    now = 1_000;
    await replay.run(request("c"), "r", async () => answer(201));
    expect(replay.size).toBe(2);
  });

  it("forgets the oldest keys beyond its key bound and its byte bound", async () => {
    const byKeys = new IdempotencyReplay({ now: () => 0, maxKeys: 2 });
    const execute = vi.fn(async () => answer(201));
    for (const key of ["a", "b", "c"]) await byKeys.run(request(key), "r", execute);
    expect(byKeys.size).toBe(2);
    await byKeys.run(request("c"), "r", execute);
    await byKeys.run(request("b"), "r", execute);
    expect(execute).toHaveBeenCalledTimes(3);
    await byKeys.run(request("a"), "r", execute);
    expect(execute).toHaveBeenCalledTimes(4);

    const byBytes = new IdempotencyReplay({ now: () => 0, maxStoredBodyBytes: 25 });
    const big = vi.fn(async () => answer(201, "x".repeat(10)));
    for (const key of ["a", "b", "c"]) await byBytes.run(request(key), "r", big);
    expect(byBytes.size).toBe(2);
    await byBytes.run(request("a"), "r", big);
    expect(big).toHaveBeenCalledTimes(4);
  });
});

describe("demo origin X-Test-Body-Delay-Ms and X-Test-Drop", () => {
  it("sends the status line and headers at once and the body X-Test-Body-Delay-Ms later", async () => {
    const account = unique("acct");
    const body = JSON.stringify({ name: "late body" });
    const started = performance.now();
    const timing = await new Promise<{ headersAt: number; endAt: number; status: number }>(
      (resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: origin.port,
            method: "POST",
            path: "/v1/submissions",
            agent: false,
            headers: {
              "x-gateway-account-id": account,
              "x-test-body-delay-ms": "500",
              "content-type": "application/json",
              "content-length": String(Buffer.byteLength(body)),
            },
          },
          (res) => {
            const headersAt = performance.now() - started;
            res.resume();
            res.on("end", () =>
              resolve({
                headersAt,
                endAt: performance.now() - started,
                status: res.statusCode ?? 0,
              }),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      },
    );
    expect(timing.status).toBe(201);
    expect(timing.headersAt).toBeLessThan(250);
    expect(timing.endAt).toBeGreaterThanOrEqual(490);
    expect(timing.endAt - timing.headersAt).toBeGreaterThanOrEqual(250);
    // The route ran before the headers went out.
    expect(await submissionIds(account)).toHaveLength(1);
  });

  it("X-Test-Drop after-execute: creates (and stores for replay), but the client loses the connection", async () => {
    const account = unique("acct");
    const tag = unique("tag");
    const key = unique("key");
    await expect(
      create(account, key, { "x-test-drop": "after-execute", "x-test-tag": tag }),
    ).rejects.toThrow();
    const ids = await submissionIds(account);
    expect(ids).toHaveLength(1);
    expect(await stats(tag)).toMatchObject({ creates: 1, executed_creates: 1, in_flight: 0 });

    const retry = await create(account, key, { "x-test-tag": tag });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json().id).toBe(ids[0]);
    expect(await submissionIds(account)).toEqual(ids);
    expect(await stats(tag)).toMatchObject({ creates: 2, executed_creates: 1 });
  });

  it("X-Test-Drop before-execute: reads the body, creates nothing and leaves the key free", async () => {
    const account = unique("acct");
    const tag = unique("tag");
    const key = unique("key");
    await expect(
      create(account, key, { "x-test-drop": "before-execute", "x-test-tag": tag }),
    ).rejects.toThrow();
    expect(await submissionIds(account)).toEqual([]);
    expect(await stats(tag)).toMatchObject({ creates: 1, executed_creates: 0, in_flight: 0 });

    const retry = await create(account, key, { "x-test-tag": tag });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await stats(tag)).toMatchObject({ creates: 2, executed_creates: 1 });
  });

  it("rejects malformed X-Test-Body-Delay-Ms and X-Test-Drop, and both on /__test/*, loudly", async () => {
    const account = unique("acct");
    for (const [path, headers, field] of [
      ["/v1/submissions", { "x-test-body-delay-ms": "soon" }, "X-Test-Body-Delay-Ms"],
      ["/v1/submissions", { "x-test-body-delay-ms": "60001" }, "X-Test-Body-Delay-Ms"],
      ["/v1/submissions", { "x-test-drop": "always" }, "X-Test-Drop"],
      ["/__test/fast", { "x-test-drop": "after-execute" }, "X-Test-Drop"],
      ["/__test/fast", { "x-test-body-delay-ms": "10" }, "X-Test-Body-Delay-Ms"],
    ] as const) {
      const sent = await send(path, { account, headers });
      expect(sent.status, `${path} ${JSON.stringify(headers)}`).toBe(400);
      expect(sent.json().error).toMatchObject({ code: "invalid_parameter", details: { field } });
    }
    expect(await submissionIds(account)).toEqual([]);
  });
});
