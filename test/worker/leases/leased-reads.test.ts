// Leased admission through the Worker (GATEWAY.md section 9): a busy key's plain reads are
// admitted from a lease its account's object granted this isolate, with no call on their path;
// the limit stays exact, revocation binds on the next non-read request and on leased reads
// within a second, RateLimit never says more is left than there is, a quiet key gets no lease,
// and while the object cannot be reached the units held are spent before failing open.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../../src/env";
import { LEASE_MS, SKEW_MS } from "../../../src/leases/lease-terms";
import { accountObject, usage } from "../support/account-object";
import { admin, createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import {
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
} from "../support/gateway";
import { countStatuses, direct, rateLimitState, read } from "../support/requests";

afterEach(() => vi.restoreAllMocks());

/** A gateway on a hand-moved clock whose storage counts every call; optionally a breakable object. */
function setup(options: { perMinute?: number; breakable?: boolean } = {}) {
  const clock = new ManualClock();
  const { counters, vars } = countingStorage();
  const broken = { now: false };
  const accounts = options.breakable === true ? breakable(vars.ACCOUNTS, broken) : vars.ACCOUNTS;
  const policy =
    options.perMinute === undefined
      ? {}
      : { GATEWAY_POLICY: JSON.stringify({ tiers: { free: { per_minute: options.perMinute } } }) };
  const gw = gateway({ clock, vars: { ...vars, ACCOUNTS: accounts, ...policy } });
  const calls = (kind: "admit" | "lease") => counters.doCalls.filter((c) => c === kind).length;
  return { clock, gw, calls, broken };
}

/** The account namespace, whose stubs start rejecting every call once `broken.now` is set. */
function breakable(
  namespace: Bindings["ACCOUNTS"],
  broken: { now: boolean },
): Bindings["ACCOUNTS"] {
  const fail = () => Promise.reject(new Error("Network connection lost."));
  return new Proxy(namespace, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "get" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const stub = Reflect.apply(value, target, args) as object;
        return new Proxy(stub, {
          get(real, method) {
            const real_ = Reflect.get(real, method, real);
            if (typeof real_ !== "function" || method === "then") return real_;
            return (...callArgs: unknown[]) =>
              broken.now ? fail() : Reflect.apply(real_, real, callArgs);
          },
        });
      };
    },
  });
}

/** `n` reads one after the other, a millisecond apart on the gateway's clock. */
async function reads(
  gw: GatewayHarness,
  clock: ManualClock,
  key: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<GatewayResponse[]> {
  const answers: GatewayResponse[] = [];
  for (let i = 0; i < n; i++) {
    clock.advance(1);
    answers.push(await read(gw, key, headers));
  }
  return answers;
}

describe("leased plain reads", () => {
  it("admits a busy key's reads from a lease, with a call to the object for few of them", async () => {
    const t = setup({ perMinute: 10_000 });
    const account = await createAccount(t.gw, { clock: t.clock });
    const tag = uniqueId("leased");
    const answers = await reads(t.gw, t.clock, account.key, 400, { "X-Test-Tag": tag });
    expect(countStatuses(answers)).toEqual({ 200: 400 });
    expect((await originStats(tag)).count).toBe(400);
    const calls = t.calls("admit") + t.calls("lease");
    expect(calls).toBeGreaterThan(0);
    expect(calls / 400).toBeLessThanOrEqual(0.05);
    // Each lease was granted for a second at most: the account's count holds only what is
    // still granted or was used.
    expect((await usage(t.gw, account.accountId)).minute.used).toBeGreaterThanOrEqual(400);
  });

  it("keeps the limit exact: a busy key gets exactly the limit in the window, no more", async () => {
    const t = setup({ perMinute: 100 });
    const account = await createAccount(t.gw, { clock: t.clock });
    const tag = uniqueId("exact");
    const answers = await reads(t.gw, t.clock, account.key, 300, { "X-Test-Tag": tag });
    expect(countStatuses(answers)).toEqual({ 200: 100, 429: 200 });
    expect((await originStats(tag)).count).toBe(100);
    // Every refusal came after the object had said the window is full.
    for (const res of answers.filter((r) => r.status === 429)) {
      expect(res.json.error.code).toBe("rate_limited");
      expect(rateLimitState(res).r).toBe(0);
    }
    // A minute later (plus the lease's end and the skew), the window has room again.
    t.clock.advance(60_000 + LEASE_MS + SKEW_MS);
    expect((await read(t.gw, account.key)).status).toBe(200);
  });

  it("never says more is left than there is", async () => {
    const t = setup({ perMinute: 150 });
    const account = await createAccount(t.gw, { clock: t.clock });
    const answers = await reads(t.gw, t.clock, account.key, 200);
    let admitted = 0;
    for (const res of answers) {
      if (res.status === 200) admitted++;
      expect(rateLimitState(res).r).toBeLessThanOrEqual(150 - admitted);
    }
    expect(admitted).toBe(150);
  });

  it("gives a quiet key no lease: each read takes its own call", async () => {
    const t = setup();
    const account = await createAccount(t.gw, { clock: t.clock });
    for (let i = 0; i < 5; i++) {
      t.clock.advance(10_000);
      expect((await read(t.gw, account.key)).status).toBe(200);
    }
    expect(t.calls("admit")).toBe(5);
    expect(t.calls("lease")).toBe(0);
  });

  it("leases only plain reads: keyed requests and writes of a busy key each take a call", async () => {
    const t = setup({ perMinute: 10_000 });
    const account = await createAccount(t.gw, { clock: t.clock });
    await reads(t.gw, t.clock, account.key, 50);
    const admits = t.calls("admit");
    for (let i = 0; i < 10; i++) {
      t.clock.advance(1);
      expect((await direct(t.gw, account.key)).status).toBe(200);
    }
    expect(t.calls("admit")).toBe(admits + 10);
  });
});

describe("what binds on leased reads", () => {
  it("a revoked key: refused on its next write at once, and on leased reads within the lease's second", async () => {
    const t = setup({ perMinute: 10_000 });
    const account = await createAccount(t.gw, { clock: t.clock });
    await reads(t.gw, t.clock, account.key, 50);
    // Revoked from elsewhere: this isolate still holds the key's edge copy and a lease.
    const elsewhere = gateway({ clock: t.clock });
    expect((await admin(elsewhere, "DELETE", `/keys/${account.keyId}`)).status).toBe(200);

    const write = await direct(t.gw, account.key);
    expect(write.status).toBe(401);
    expect(write.json.error.code).toBe("invalid_credentials");
    t.clock.advance(1);
    expect((await read(t.gw, account.key)).status).toBe(200);

    t.clock.advance(LEASE_MS);
    const later = await read(t.gw, account.key);
    expect(later.status).toBe(401);
    expect(later.json.error.code).toBe("invalid_credentials");
  });

  it("counts what its leases granted across a restart of the object", async () => {
    const t = setup({ perMinute: 10_000 });
    const account = await createAccount(t.gw, { clock: t.clock });
    await reads(t.gw, t.clock, account.key, 50);
    const before = (await usage(t.gw, account.accountId)).minute.used;
    expect(before).toBeGreaterThan(50);
    await evictDurableObject(accountObject(account.accountId));
    // The object's clock is its own again after eviction; the lease rows and the window's
    // rows are read back from SQLite, so nothing granted is forgotten.
    const after = (await usage(t.gw, account.accountId)).minute.used;
    expect(after).toBeGreaterThanOrEqual(50);
  });
});

describe("when the object cannot be reached", () => {
  it("spends the units held until the lease ends, then fails open on the logged fallback limiter", async () => {
    const log = vi.spyOn(console, "log");
    const t = setup({ perMinute: 10_000, breakable: true });
    const account = await createAccount(t.gw, { clock: t.clock });
    await reads(t.gw, t.clock, account.key, 60);
    t.broken.now = true;
    const leased = await reads(t.gw, t.clock, account.key, 5);
    expect(countStatuses(leased)).toEqual({ 200: 5 });
    const decisions = () =>
      log.mock.calls
        .map((args) => String(args[0]))
        .filter((line) => line.startsWith('{"request_id"'))
        .map((line) => JSON.parse(line).decision as string);
    expect(decisions().slice(-5)).toEqual(Array(5).fill("admitted"));

    t.clock.advance(LEASE_MS + SKEW_MS);
    const open = await read(t.gw, account.key);
    expect(open.status).toBe(200);
    expect(decisions().at(-1)).toBe("fail_open");
    // Creates fail closed meanwhile.
    const create = await t.gw.fetch("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(account.key), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(create.status).toBe(503);
    expect(create.json.error.details.reason).toBe("limiter_unavailable");
    expect(env.ACCOUNTS).toBeDefined();
  });
});
