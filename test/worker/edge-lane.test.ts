// The edge's synchronous lane (src/edge/reject-without-io.ts) against the full chain: every
// rejection the lane decides must be byte for byte the chain's answer (status, every header,
// body) with the same log line, and everything it cannot decide must be left to the chain.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimitedMemo } from "../../src/account/rate-limited-memo";
import { LimitsCache } from "../../src/account/ratelimit-headers";
import { createApp } from "../../src/app";
import { configFor } from "../../src/config/config";
import { type EdgeMemory, edgeLane } from "../../src/edge/reject-without-io";
import type { Bindings } from "../../src/env";
import { generateApiKey } from "../../src/keys/key-format";
import { breakerFor } from "../../src/proxy/origin-breaker";
import { accountOn } from "./admission/admission-support";
import {
  adminHeaders,
  bearer,
  createAccount,
  GATEWAY,
  gateway,
  ManualClock,
  type TestAccount,
} from "./support/gateway";

const READ_ONLY = ["submissions:read"];
const CREATE_BODY = JSON.stringify({ name: "x", num_generations: 10, num_genes: 4 });

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
  log: Record<string, unknown> | null;
}

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    logged.push(String(line));
  });
});
afterEach(() => vi.restoreAllMocks());

/** The request-log line written since `from`, without its timing. */
function logLineSince(from: number): Record<string, unknown> | null {
  const lines = logged.slice(from).filter((line) => line.includes('"request_id"'));
  if (lines.length !== 1) return null;
  const { total_ms: _timing, ...rest } = JSON.parse(lines[0] as string) as Record<string, unknown>;
  return rest;
}

async function answerOf(response: Response, from: number): Promise<Answer> {
  return {
    status: response.status,
    headers: [...response.headers].sort(([a], [b]) => a.localeCompare(b)),
    body: await response.text(),
    log: logLineSince(from),
  };
}

function setup(vars: Partial<Bindings> = {}) {
  const clock = new ManualClock();
  const memory: EdgeMemory = { limitsCache: new LimitsCache(), rateLimited: new RateLimitedMemo() };
  const bindings = { ...env, ...vars } as Bindings;
  const lane = edgeLane(clock, memory);
  const chain = createApp({ clock, memory });
  const admin = gateway({ clock, vars });
  let n = 0;
  const request = (path: string, init: RequestInit = {}) => {
    n += 1;
    const headers = new Headers(init.headers);
    headers.set("X-Request-Id", `lane-test-${n}`);
    return () => new Request(`${GATEWAY}${path}`, { ...init, headers });
  };
  /** The chain's answer to a request (which also fills the isolate's key lookup copy). */
  async function viaChain(make: () => Request): Promise<Answer> {
    const from = logged.length;
    const ctx = createExecutionContext();
    const response = await chain.fetch(make(), bindings, ctx);
    const answer = await answerOf(response, from);
    await waitOnExecutionContext(ctx);
    return answer;
  }
  /** The lane's answer, or null when it leaves the request to the chain. */
  async function viaLane(make: () => Request): Promise<Answer | null> {
    const from = logged.length;
    const response = lane(make(), bindings);
    return response === null ? null : answerOf(response, from);
  }
  /** Asserts the lane decides the request, exactly as the chain does. */
  async function sameAnswer(path: string, init: RequestInit = {}): Promise<Answer> {
    const make = request(path, init);
    const fast = await viaLane(make);
    expect(fast, `the lane should decide ${init.method ?? "GET"} ${path}`).not.toBeNull();
    const slow = await viaChain(make);
    expect(fast).toEqual(slow);
    expect(slow.log).not.toBeNull();
    return slow;
  }
  return { clock, bindings, admin, request, viaChain, viaLane, sameAnswer };
}

describe("rejections the lane decides, exactly as the chain", () => {
  it("401 for a missing or malformed key, with no lookup at all", async () => {
    const t = setup();
    const missing = await t.sameAnswer("/v1/submissions");
    expect(missing.status).toBe(401);
    expect(missing.headers).toContainEqual(["www-authenticate", "Bearer"]);
    const malformed = await t.sameAnswer("/v1/submissions", {
      headers: bearer(`${generateApiKey().slice(0, -1)}!`),
    });
    expect(malformed.status).toBe(401);
  });

  it("401 for an unknown key once this isolate has looked it up", async () => {
    const t = setup();
    const unknown = bearer(generateApiKey());
    expect(await t.viaLane(t.request("/v1/submissions", { headers: unknown }))).toBeNull();
    await t.viaChain(t.request("/v1/submissions", { headers: unknown }));
    const answer = await t.sameAnswer("/v1/submissions", { headers: unknown });
    expect(answer.status).toBe(401);
    expect(answer.log).toMatchObject({ code: "invalid_credentials", reason: "unknown" });
  });

  it("401 for an expired key, with its ids in the log line", async () => {
    const t = setup();
    const account = await createAccount(t.admin);
    const expiring = await t.admin.fetch("/_gateway/admin/keys", {
      method: "POST",
      headers: adminHeaders,
      body: JSON.stringify({
        account_id: account.accountId,
        scopes: READ_ONLY,
        expires_at: new Date(t.clock.now() + 60_000).toISOString(),
      }),
    });
    t.clock.advance(61_000);
    const headers = bearer(expiring.json.key);
    await t.viaChain(t.request("/v1/submissions", { headers }));
    const answer = await t.sameAnswer("/v1/submissions", { headers });
    expect(answer.status).toBe(401);
    expect(answer.log).toMatchObject({ reason: "expired", account_id: account.accountId });
  });

  it("401 account_disabled, with its ids in the log line", async () => {
    const t = setup();
    const account = await createAccount(t.admin, { status: "disabled" });
    await t.viaChain(t.request("/v1/submissions", { headers: bearer(account.key) }));
    const answer = await t.sameAnswer("/v1/submissions", { headers: bearer(account.key) });
    expect(answer.status).toBe(401);
    expect(answer.log).toMatchObject({ code: "account_disabled", key_id: account.keyId });
    expect(answer.headers.map(([name]) => name)).not.toContain("ratelimit");
  });

  it("403 for a missing scope, body unread, with RateLimit headers", async () => {
    const t = setup();
    const account = await createAccount(t.admin, { scopes: READ_ONLY });
    await t.viaChain(t.request("/v1/submissions", { headers: bearer(account.key) }));
    const answer = await t.sameAnswer("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(account.key), "Content-Type": "application/json" },
      body: CREATE_BODY,
    });
    expect(answer.status).toBe(403);
    expect(answer.log).toMatchObject({ code: "scope_required", account_id: account.accountId });
    expect(answer.headers.map(([name]) => name)).toContain("ratelimit-policy");
  });

  it("400 for an invalid list query", async () => {
    const t = setup();
    const account = await createAccount(t.admin);
    await t.viaChain(t.request("/v1/submissions", { headers: bearer(account.key) }));
    for (const query of ["?limit=0", "?limit=1&limit=2", `?cursor=${"c".repeat(257)}`]) {
      const answer = await t.sameAnswer(`/v1/submissions${query}`, {
        headers: bearer(account.key),
      });
      expect(answer.status).toBe(400);
    }
  });

  it("429 for a bodiless GET of an account its object said is at its limit", async () => {
    const policy = JSON.stringify({ tiers: { free: { per_minute: 1 } } });
    const t = setup({ GATEWAY_POLICY: policy });
    const account = await accountOn(t.admin, t.clock, { vars: { GATEWAY_POLICY: policy } });
    const read = t.request("/__test/fast", { headers: bearer(account.key) });
    expect((await t.viaChain(read)).status).toBe(200);
    t.clock.advance(20_000);
    expect((await t.viaChain(read)).status).toBe(429);
    t.clock.advance(4_000);
    const answer = await t.sameAnswer("/__test/fast", { headers: bearer(account.key) });
    expect(answer.status).toBe(429);
    expect(answer.headers).toContainEqual(["retry-after", "36"]);
    expect(answer.headers).toContainEqual(["ratelimit", '"minute";r=0;t=36']);
    expect(answer.log).toMatchObject({ code: "rate_limited", reason: "known at the edge" });
    // A header value the origin would refuse is a 400 before any 429, in the lane as in the chain.
    const badHeader = await t.sameAnswer("/__test/fast", {
      headers: { ...bearer(account.key), "X-Note": "a\u0001b" },
    });
    expect(badHeader.status).toBe(400);
    expect(JSON.parse(badHeader.body).error.details).toEqual({ field: "x-note" });
  });
});

describe("requests the lane leaves to the chain", () => {
  async function knownAccount(t: ReturnType<typeof setup>, policy?: string): Promise<TestAccount> {
    const account = await accountOn(t.admin, t.clock, {
      ...(policy === undefined ? {} : { vars: { GATEWAY_POLICY: policy } }),
    });
    await t.viaChain(t.request("/v1/submissions", { headers: bearer(account.key) }));
    return account;
  }

  it("an admitted request, a key not looked up lately, HEAD, gateway paths, maintenance", async () => {
    const t = setup();
    const account = await knownAccount(t);
    const left = [
      t.request("/__test/fast", { headers: bearer(account.key) }),
      t.request("/__test/fast", { headers: bearer(generateApiKey()) }),
      t.request("/v1/submissions", { method: "HEAD" }),
      t.request("/_gateway/nothing"),
      t.request("/%5Fgateway/nothing"),
      t.request("/_GATEWAY/health"),
    ];
    for (const make of left) expect(await t.viaLane(make)).toBeNull();
    const maintenance = setup({ MAINTENANCE: "true" });
    expect(await maintenance.viaLane(maintenance.request("/v1/submissions"))).toBeNull();
  });

  it("anything it cannot handle, such as a key store binding gone missing", async () => {
    const t = setup({ KEYS: undefined as unknown as KVNamespace });
    const make = t.request("/v1/submissions", { headers: bearer(generateApiKey()) });
    expect(await t.viaLane(make)).toBeNull();
    const chain = await t.viaChain(make);
    expect(chain.status).toBe(503);
    expect(JSON.parse(chain.body).error.details.reason).toBe("key_store_unavailable");
    // A bad policy: the lane leaves it to the chain, which answers in the envelope.
    const broken = setup({ GATEWAY_POLICY: "{" });
    expect(await broken.viaLane(broken.request("/v1/submissions"))).toBeNull();
  });

  it("a known 429 with a body to validate, an Idempotency-Key, or while the origin pauses", async () => {
    const policy = JSON.stringify({ tiers: { free: { per_minute: 1 } } });
    const t = setup({ GATEWAY_POLICY: policy });
    const account = await knownAccount(t, policy);
    const read = t.request("/__test/fast", { headers: bearer(account.key) });
    await t.viaChain(read);
    expect((await t.viaChain(read)).status).toBe(429);
    expect(await t.viaLane(read)).not.toBeNull();

    const create = t.request("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(account.key), "Content-Type": "application/json" },
      body: "not json",
    });
    const idempotent = t.request("/v1/submissions/abc/cancel", {
      method: "POST",
      headers: { ...bearer(account.key), "Idempotency-Key": "k-1" },
    });
    expect(await t.viaLane(create)).toBeNull();
    expect(await t.viaLane(idempotent)).toBeNull();
    // The chain answers the invalid create 400 before it would say 429.
    expect((await t.viaChain(create)).status).toBe(400);

    breakerFor(configFor(t.bindings)).record(t.clock.now() + 10_000, false);
    expect(await t.viaLane(read)).toBeNull();
    expect((await t.viaChain(read)).status).toBe(503);
  });
});
