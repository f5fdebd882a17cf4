// Refusals the API path decides from the request and this isolate's memory alone: answered
// synchronously (the Worker's fetch returns a Response, not a promise: no await before the
// answer), with no KV read, no Durable Object call and no origin request, and with exactly the
// contract's headers and log line. What these answers were held to when a second path gave
// them; now the one path must give them this way.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { UsageBatchPayload } from "../../../src/account/contract";
import type { Bindings } from "../../../src/env";
import { createGateway } from "../../../src/gateway";
import { newIsolateMemory } from "../../../src/isolate/isolate-memory";
import { generateApiKey } from "../../../src/keys/key-format";
import { addKey, createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { bearer, GATEWAY, gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { CREATE_BODY, FREE_POLICY } from "../support/requests";

const READ_ONLY = ["submissions:read"];

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    logged.push(String(line));
  });
});
afterEach(() => vi.restoreAllMocks());

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  log: Record<string, unknown>;
}

/**
 * One gateway (its own isolate memory), with storage that counts every call; `synchronous`
 * sends a request and requires the answer to come back without a promise and without I/O.
 */
function setup(vars: Partial<Bindings> = {}) {
  const clock = new ManualClock();
  const { counters, vars: counted } = countingStorage();
  const bindings = { ...env, ...counted, ...vars } as Bindings;
  // Usage is counted in memory and held here (production sends it after the response, at most
  // every 10 s: usage/usage.test.ts), so every call counted below is the request's own.
  const memory = newIsolateMemory({ usageFlushMs: null });
  const gw = createGateway({ clock, memory });
  const admin = gateway({ clock, vars });
  const tag = uniqueId("edge");
  let n = 0;
  /** Only the requests under test are tagged, so the origin's count is theirs alone. */
  const make = (path: string, init: RequestInit = {}, tagged = false) => {
    n += 1;
    const headers = new Headers(init.headers);
    headers.set("X-Request-Id", `edge-${n}`);
    if (tagged) headers.set("X-Test-Tag", tag);
    return new Request(`${GATEWAY}${path}`, { ...init, headers });
  };
  /** Through the pipeline, awaited: warms the isolate's memory like any earlier request. */
  async function warm(path: string, init: RequestInit = {}): Promise<number> {
    const ctx = createExecutionContext();
    const response = await gw.fetch(make(path, init), bindings, ctx);
    await response.arrayBuffer();
    await waitOnExecutionContext(ctx);
    return response.status;
  }
  async function synchronous(path: string, init: RequestInit = {}): Promise<Answer> {
    const before = { kv: counters.kvGets + counters.kvOther, dos: counters.doCalls.length };
    const from = logged.length;
    const ctx = createExecutionContext();
    const answer = gw.fetch(make(path, init, true), bindings, ctx);
    expect(
      answer,
      `${init.method ?? "GET"} ${path} should be answered synchronously`,
    ).toBeInstanceOf(Response);
    const response = answer as Response;
    await waitOnExecutionContext(ctx);
    expect(counters.kvGets + counters.kvOther).toBe(before.kv);
    expect(counters.doCalls.length).toBe(before.dos);
    const lines = logged.slice(from).filter((line) => line.startsWith('{"request_id"'));
    expect(lines).toHaveLength(1);
    const { total_ms: totalMs, ...log } = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(totalMs).toBe(0);
    const headers = Object.fromEntries([...response.headers]);
    return { status: response.status, headers, body: await response.text(), log };
  }
  return { clock, admin, warm, synchronous, tag, counters, memory };
}

/** The envelope's headers, exactly: nothing else is added to an edge refusal. */
function expectEnvelopeHeaders(answer: Answer, extra: Record<string, unknown>): void {
  const requestId = answer.headers["x-request-id"] as string;
  expect(answer.headers).toEqual({
    "cache-control": "no-store",
    "content-type": "application/json",
    "x-request-id": requestId,
    ...extra,
  });
  expect(JSON.parse(answer.body).error.request_id).toBe(requestId);
}

describe("refusals decided with no I/O", () => {
  it("401 for a missing or malformed key: envelope, WWW-Authenticate, no RateLimit", async () => {
    const t = setup();
    const missing = await t.synchronous("/v1/submissions");
    expect(missing.status).toBe(401);
    expectEnvelopeHeaders(missing, { "www-authenticate": "Bearer" });
    expect(missing.log).toEqual({
      request_id: "edge-1",
      method: "GET",
      path: "/v1/submissions",
      status: 401,
      code: "missing_credentials",
      account_id: null,
      key_id: null,
      decision: "rejected",
      origin_ms: null,
    });
    const malformed = await t.synchronous("/v1/submissions", {
      headers: bearer(`${generateApiKey().slice(0, -1)}!`),
    });
    expect(malformed.status).toBe(401);
    expect(malformed.log).toMatchObject({ code: "invalid_credentials", reason: "malformed" });
  });

  it("401 for an unknown key once this isolate has looked it up", async () => {
    const t = setup();
    const unknown = bearer(generateApiKey());
    expect(await t.warm("/v1/submissions", { headers: unknown })).toBe(401);
    const answer = await t.synchronous("/v1/submissions", { headers: unknown });
    expect(answer.status).toBe(401);
    expectEnvelopeHeaders(answer, { "www-authenticate": "Bearer" });
    expect(answer.log).toMatchObject({ code: "invalid_credentials", reason: "unknown" });
  });

  it("401 for an expired key and account_disabled, with the key's ids in the log line", async () => {
    const t = setup();
    const account = await createAccount(t.admin);
    const expiring = await addKey(t.admin, account.accountId, {
      scopes: READ_ONLY,
      expiresAt: new Date(t.clock.now() + 60_000).toISOString(),
    });
    t.clock.advance(61_000);
    const headers = bearer(expiring.key);
    await t.warm("/v1/submissions", { headers });
    const expired = await t.synchronous("/v1/submissions", { headers });
    expect(expired.status).toBe(401);
    expect(expired.log).toMatchObject({ reason: "expired", account_id: account.accountId });

    const disabled = await createAccount(t.admin, { status: "disabled" });
    await t.warm("/v1/submissions", { headers: bearer(disabled.key) });
    const answer = await t.synchronous("/v1/submissions", { headers: bearer(disabled.key) });
    expect(answer.status).toBe(401);
    expectEnvelopeHeaders(answer, { "www-authenticate": "Bearer" });
    expect(answer.log).toMatchObject({ code: "account_disabled", key_id: disabled.keyId });
  });

  it("403 for a missing scope with the RateLimit headers, body unread", async () => {
    const t = setup();
    const account = await createAccount(t.admin, { scopes: READ_ONLY });
    await t.warm("/v1/submissions", { headers: bearer(account.key) });
    const answer = await t.synchronous("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(account.key), "Content-Type": "application/json" },
      body: JSON.stringify(CREATE_BODY),
    });
    expect(answer.status).toBe(403);
    expectEnvelopeHeaders(answer, {
      "ratelimit-policy": FREE_POLICY,
      ratelimit: expect.stringMatching(/^"minute";r=\d+;t=\d+$/),
    });
    expect(answer.log).toMatchObject({
      code: "scope_required",
      account_id: account.accountId,
      key_id: account.keyId,
      decision: "rejected",
    });
    // Counted for the account's usage in memory, with no call (section 11): sent later.
    const sent: UsageBatchPayload[] = [];
    await t.memory.usage.flush(async (_account, payload) => {
      sent.push(payload);
    });
    expect(sent.flatMap((p) => p.deltas.map((d) => d.rejected))).toContainEqual({
      scope_required: 1,
    });
  });

  it("400 for an invalid list query or a header the origin would refuse", async () => {
    const t = setup();
    const account = await createAccount(t.admin);
    await t.warm("/v1/submissions", { headers: bearer(account.key) });
    for (const query of ["?limit=0", "?limit=1&limit=2", `?cursor=${"c".repeat(257)}`]) {
      const answer = await t.synchronous(`/v1/submissions${query}`, {
        headers: bearer(account.key),
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.code).toBe("invalid_parameter");
    }
    const badHeader = await t.synchronous("/__test/fast", {
      headers: { ...bearer(account.key), "X-Note": "a\u0001b" },
    });
    expect(badHeader.status).toBe(400);
    expect(JSON.parse(badHeader.body).error.details).toEqual({ field: "x-note" });
    expect((await originStats(t.tag)).count).toBe(0);
  });

  it("429 for an account its object said is at its limit in the last second", async () => {
    const policy = JSON.stringify({ tiers: { free: { per_minute: 1 } } });
    const t = setup({ GATEWAY_POLICY: policy });
    const account = await createAccount(t.admin, { clock: t.clock });
    expect(await t.warm("/__test/fast", { headers: bearer(account.key) })).toBe(200);
    t.clock.advance(20_000);
    expect(await t.warm("/__test/fast", { headers: bearer(account.key) })).toBe(429);
    // Remembered for at most a second (contract section 10), with the object's Retry-After.
    t.clock.advance(500);
    const answer = await t.synchronous("/__test/fast", { headers: bearer(account.key) });
    expect(answer.status).toBe(429);
    expectEnvelopeHeaders(answer, {
      "retry-after": "40",
      "ratelimit-policy":
        '"minute";q=1;w=60, "daily";q=100;w=86400, "active";q=5;qu="concurrent-requests"',
      ratelimit: '"minute";r=0;t=40',
    });
    expect(answer.log).toMatchObject({ code: "rate_limited", reason: "known at the edge" });
    // A header value the origin would refuse is a 400 before any 429.
    const badHeader = await t.synchronous("/__test/fast", {
      headers: { ...bearer(account.key), "X-Note": "a\u0001b" },
    });
    expect(badHeader.status).toBe(400);
  });
});

describe("what still waits on I/O, in the contract's order", () => {
  it("an invalid create is answered 400 before a known 429, once its body is read", async () => {
    const policy = JSON.stringify({ tiers: { free: { per_minute: 1 } } });
    const t = setup({ GATEWAY_POLICY: policy });
    const account = await createAccount(t.admin, { clock: t.clock });
    await t.warm("/__test/fast", { headers: bearer(account.key) });
    expect(await t.warm("/__test/fast", { headers: bearer(account.key) })).toBe(429);
    const status = await t.warm("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(account.key), "Content-Type": "application/json" },
      body: "not json",
    });
    expect(status).toBe(400);
  });

  it("a key store binding gone missing is a 503 in the envelope, never a crash", async () => {
    const t = setup({ KEYS: undefined as unknown as KVNamespace });
    const status = await t.warm("/v1/submissions", { headers: bearer(generateApiKey()) });
    expect(status).toBe(503);
  });
});
