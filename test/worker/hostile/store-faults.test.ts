// Faults of the gateway's own stores: the account's Durable Object throwing, unreachable, or
// reset mid-flight, and the KV key directory failing. The answer is always an envelope, the
// limits stay exact, nothing is stored that should not be, and the gateway recovers.
import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../../src/env";
import {
  accountObject,
  LOCK_MS,
  tables,
  testTerms,
  usage,
  useClock,
} from "../support/account-object";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import {
  bearer,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
  untilAtOrigin,
} from "../support/gateway";
import { create } from "../support/requests";
import { expectHealthy, originSubmissions } from "./hostile-support";

type Namespace = Bindings["ACCOUNTS"];

/** The real namespace's method, called on the real namespace. */
function real(property: string | symbol): unknown {
  const value: unknown = Reflect.get(env.ACCOUNTS, property);
  return typeof value === "function" ? value.bind(env.ACCOUNTS) : value;
}

/** Objects are named as usual, but every method of every stub throws synchronously. */
function throwingStubs(): Namespace {
  const fail = () => {
    throw new Error("internal error; reference = 0123456789abcdef");
  };
  const stub = { admit: fail, complete: fail, releaseSubmission: fail, getAccount: fail };
  return new Proxy(env.ACCOUNTS, {
    get: (_target, property) => (property === "get" ? () => stub : real(property)),
  });
}

/** A namespace that cannot even name an object: idFromName and get throw. */
function brokenNamespace(): Namespace {
  const fail = () => {
    throw new Error("Durable Object namespace unavailable");
  };
  return {
    idFromName: fail,
    get: fail,
    idFromString: fail,
    newUniqueId: fail,
  } as unknown as Namespace;
}

/** The real objects, except that `complete` (the after-response report) always fails. */
function lostCompletions(): Namespace {
  return new Proxy(env.ACCOUNTS, {
    get: (_target, property) => {
      if (property !== "get") return real(property);
      return (id: DurableObjectId) => {
        const stub = env.ACCOUNTS.get(id);
        return {
          admit: (...args: Parameters<typeof stub.admit>) => stub.admit(...args),
          releaseSubmission: (submissionId: string) =>
            stub.releaseSubmission(submissionId, testTerms()),
          complete: () => Promise.reject(new Error("Network connection lost.")),
        };
      };
    },
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a Durable Object whose calls throw", () => {
  for (const [name, namespace] of [
    ["stubs that throw", throwingStubs],
    ["a namespace that cannot name an object", brokenNamespace],
  ] as const) {
    it(`with ${name}: creates and idempotent calls fail closed with 503, nothing reaches the origin`, async () => {
      const gw = gateway();
      const account = await createAccount(gw);
      const broken = gateway({ vars: { ACCOUNTS: namespace() } });
      const tag = uniqueId("do-throws");

      const refused = await create(broken, account.key, { "X-Test-Tag": tag });
      expect(expectEnvelope(refused, 503, "service_unavailable").details.reason).toBe(
        "limiter_unavailable",
      );
      expect(refused.text).not.toContain("reference");
      const idempotent = await broken.fetch("/__test/fast", {
        method: "POST",
        headers: { ...bearer(account.key), "Idempotency-Key": "k-1", "X-Test-Tag": tag },
      });
      expect(expectEnvelope(idempotent, 503).details.reason).toBe("limiter_unavailable");
      expect((await originStats(tag)).count).toBe(0);
      expect((await usage(gw, account.accountId)).minute.used).toBe(0);
    });

    it(`with ${name}: a plain read fails open on the local limiter and is logged`, async () => {
      const gw = gateway();
      const account = await createAccount(gw);
      const broken = gateway({ vars: { ACCOUNTS: namespace() } });
      const log = vi.spyOn(console, "log");
      const read = await broken.fetch("/__test/fast", { headers: bearer(account.key) });
      expect(read.status, read.text).toBe(200);
      expect(read.json).toEqual({ ok: true });
      expect(log.mock.calls.some(([line]) => String(line).includes('"decision":"fail_open"'))).toBe(
        true,
      );
      await expectHealthy(gw, account);
    });
  }
});

describe("a completion report that is lost", () => {
  it("still answers the client; the pending slot and lock expire at timeout + 5 s", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const lossy = gateway({ clock, vars: { ACCOUNTS: lostCompletions() } });
    const error = vi.spyOn(console, "error");

    const res = await create(lossy, account.key, { "Idempotency-Key": "lost-1" });
    expect(res.status, res.text).toBe(201);
    expect(error.mock.calls.some(([line]) => String(line).includes('"completion_failed"'))).toBe(
      true,
    );
    // Without the report the object cannot know the outcome: it keeps both pending.
    expect(await tables(account.accountId)).toEqual({
      slots: [{ submission_id: null }],
      idempotency: [{ key: "lost-1", state: "in_progress" }],
    });
    expectEnvelope(await create(gw, account.key, { "Idempotency-Key": "lost-1" }), 409);

    clock.advance(LOCK_MS + 1);
    expect(await runDurableObjectAlarm(accountObject(account.accountId))).toBe(true);
    expect(await tables(account.accountId)).toEqual({ slots: [], idempotency: [] });
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
    await expectHealthy(gw, account);
  });
});

describe("a Durable Object reset mid-flight", () => {
  it("finishes a create whose object was evicted while the origin worked", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("evicted");
    const pending = create(gw, account.key, {
      "Idempotency-Key": "evict-1",
      "X-Test-Delay-Ms": "300",
      "X-Test-Tag": tag,
    });
    await untilAtOrigin(tag);
    await evictDurableObject(accountObject(account.accountId));
    const res = await pending;
    expect(res.status, res.text).toBe(201);
    // The new instance received the completion: the slot is held under the submission's id.
    expect(await tables(account.accountId)).toEqual({
      slots: [{ submission_id: res.json.id }],
      idempotency: [{ key: "evict-1", state: "completed" }],
    });
    const replay = await create(gw, account.key, { "Idempotency-Key": "evict-1" });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(res.text);
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("keeps the in-flight cap exact when every object is aborted in the middle of a burst", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const tag = uniqueId("aborted");

    const burst = Array.from({ length: 12 }, (_, i) =>
      create(gw, account.key, {
        "Idempotency-Key": `burst-${i}`,
        "X-Test-Delay-Ms": "200",
        "X-Test-Tag": tag,
      }),
    );
    await untilAtOrigin(tag);
    await abortAllDurableObjects();
    const responses = await Promise.all(burst);
    const created = responses.filter((r) => r.status === 201);
    for (const res of responses) {
      if (res.status === 201) continue;
      const error = expectEnvelope(res, res.status);
      expect(["too_many_active_api_requests", "service_unavailable"]).toContain(error.code);
    }
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.length).toBeLessThanOrEqual(5);
    const stats = await originStats(tag);
    expect(stats.creates).toBe(created.length);
    expect(stats.max_in_flight).toBeLessThanOrEqual(5);

    // The aborted object lost its test clock; give it back, then let every deadline pass.
    await useClock(account.accountId, clock);
    clock.advance(LOCK_MS + 1);
    await runDurableObjectAlarm(accountObject(account.accountId));
    const ids = created.map((r) => r.json.id as string).sort();
    const rows = await tables(account.accountId);
    expect(rows.slots.map((s) => s.submission_id).sort()).toEqual(ids);
    expect((await originSubmissions(gw, account)).sort()).toEqual(ids);
    // Every created submission replays under its key.
    for (const [i, res] of responses.entries()) {
      if (res.status !== 201) continue;
      const replay = await create(gw, account.key, { "Idempotency-Key": `burst-${i}` });
      expect(replay.text).toBe(res.text);
    }
    await expectHealthy(gw, account);
  });
});

describe("a failing KV key directory", () => {
  it("answers 503 key_store_unavailable with Retry-After, whether get rejects or throws", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("kv-down");
    const failures: [string, Bindings["KEYS"]][] = [
      [
        "rejects",
        {
          get: () => Promise.reject(new Error("KV GET failed: 500")),
        } as unknown as Bindings["KEYS"],
      ],
      [
        "throws",
        {
          get: () => {
            throw new Error("KV binding broken");
          },
        } as unknown as Bindings["KEYS"],
      ],
    ];
    for (const [name, keys] of failures) {
      const broken = gateway({ vars: { KEYS: keys } });
      for (const res of [
        await create(broken, account.key, { "X-Test-Tag": tag }),
        await broken.fetch("/v1/submissions", {
          headers: { ...bearer(account.key), "X-Test-Tag": tag },
        }),
      ]) {
        const error = expectEnvelope(res, 503, "service_unavailable");
        expect(error.details, name).toEqual({ reason: "key_store_unavailable", retry_after: 1 });
        expect(res.text).not.toContain("KV");
      }
      // A malformed key is still refused with no lookup at all.
      const malformed = await broken.fetch("/v1/submissions", { headers: bearer("gk_nope") });
      expectEnvelope(malformed, 401, "invalid_credentials");
    }
    expect((await originStats(tag)).count).toBe(0);
    expect((await usage(gw, account.accountId)).minute.used).toBe(0);
    await expectHealthy(gw, account);
  });
});
