// Usage per account and per key (contract section 11): what the account's object decides it
// counts in the same call, what the isolate decides (edge rejections, leased reads, the
// origin's answers) it sends in batches; minute, hour and day buckets on an injected clock,
// retention enforced by the object's alarm, and the query's bad input.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newIsolateMemory } from "../../../src/isolate/isolate-memory";
import { accountObject } from "../support/account-object";
import { addKey, admin, createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { bearer, gateway, ManualClock } from "../support/gateway";
import { CREATE_BODY, send } from "../support/requests";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 2026-12-01T10:59:30Z: half a minute before an hour ends. */
const T0 = Date.UTC(2026, 11, 1, 10, 59, 30);

async function setup(start = T0) {
  const clock = new ManualClock(start);
  const storage = countingStorage();
  // What the isolate counts is sent as each request settles.
  const gw = gateway({ clock, memory: newIsolateMemory({ usageFlushMs: 0 }), vars: storage.vars });
  const account = await createAccount(gw, { clock });
  const usage = async (query = "") => {
    const res = await admin(gw, "GET", `/accounts/${account.accountId}/usage${query}`);
    expect(res.status, res.text).toBe(200);
    return res.json.data as {
      start: string;
      admitted: number;
      units: number;
      rejected: Record<string, number>;
      origin: Record<string, number>;
    }[];
  };
  return { clock, gw, account, usage, calls: storage.counters.doCalls };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("usage counting", () => {
  it("counts admissions, units, rejections by code and origin classes in the minute", async () => {
    const { gw, account, usage } = await setup();
    const reader = await addKey(gw, account.accountId, { scopes: ["submissions:read"] });
    expect((await send(gw, account.key, "/v1/submissions", { body: CREATE_BODY })).status).toBe(
      201,
    );
    expect((await send(gw, account.key, "/v1/submissions", { method: "GET" })).status).toBe(200);
    // Decided at the edge: a missing scope and a bad query.
    expect((await send(gw, reader.key, "/v1/submissions", { body: CREATE_BODY })).status).toBe(403);
    expect((await send(gw, account.key, "/v1/submissions?limit=0", { method: "GET" })).status).toBe(
      400,
    );
    // Decided by the object: a reused Idempotency-Key with another body.
    await send(gw, account.key, "/v1/submissions", { body: CREATE_BODY, idempotencyKey: "k-1" });
    const mismatch = await send(gw, account.key, "/v1/submissions", {
      body: { ...CREATE_BODY, name: "other" },
      idempotencyKey: "k-1",
    });
    expect(mismatch.status).toBe(422);

    expect(await usage(`?from=${iso(T0 - MINUTE)}&to=${iso(T0 + MINUTE)}`)).toEqual([
      {
        start: "2026-12-01T10:59:00.000Z",
        admitted: 3,
        units: 3,
        rejected: { idempotency_key_mismatch: 1, invalid_parameter: 1, scope_required: 1 },
        origin: { "2xx": 3, "3xx": 0, "4xx": 0, "5xx": 0 },
      },
    ]);
  });

  it("counts every read and every 429 exactly once, whoever decided it (object, lease, memo)", async () => {
    const { gw, account, usage, calls } = await setup();
    // The free tier allows 60 a minute: reads go through the object, then on leases, then
    // the window is full and the isolate (its memo, its lease) or the object refuses.
    const admissionsBefore = calls.filter((m) => m === "admit").length;
    const statuses: number[] = [];
    for (let i = 0; i < 75; i++) {
      statuses.push((await send(gw, account.key, "/v1/submissions", { method: "GET" })).status);
    }
    // The isolate decided some of the 75 itself (leased reads, 429s from its memo or lease):
    // fewer than 75 admission calls reached the object.
    const admissions = calls.filter((m) => m === "admit").length - admissionsBefore;
    expect(admissions).toBeGreaterThan(0);
    expect(admissions).toBeLessThan(75);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect(await usage(`?from=${iso(T0 - MINUTE)}`)).toEqual([
      {
        start: "2026-12-01T10:59:00.000Z",
        admitted: 60,
        units: 60,
        rejected: { rate_limited: 15 },
        origin: { "2xx": 60, "3xx": 0, "4xx": 0, "5xx": 0 },
      },
    ]);
  });

  it("filters by key_id", async () => {
    const { gw, account, usage } = await setup();
    const other = await addKey(gw, account.accountId);
    await send(gw, account.key, "/v1/submissions", { method: "GET" });
    await send(gw, other.key, "/v1/submissions", { method: "GET" });
    await send(gw, other.key, "/v1/submissions?limit=0", { method: "GET" });
    const range = `from=${iso(T0 - MINUTE)}&to=${iso(T0 + MINUTE)}`;
    expect((await usage(`?${range}`))[0]).toMatchObject({ admitted: 2 });
    expect(await usage(`?${range}&key_id=${other.id}`)).toEqual([
      expect.objectContaining({ admitted: 1, rejected: { invalid_parameter: 1 } }),
    ]);
    expect(await usage(`?${range}&key_id=${account.keyId}`)).toEqual([
      expect.objectContaining({ admitted: 1, rejected: {} }),
    ]);
  });

  it("puts requests either side of a minute and an hour boundary in their own buckets", async () => {
    const { clock, gw, account, usage } = await setup();
    await send(gw, account.key, "/v1/submissions", { method: "GET" });
    clock.advance(40_000); // 11:00:10
    await send(gw, account.key, "/v1/submissions", { method: "GET" });
    await send(gw, account.key, "/v1/submissions?limit=0", { method: "GET" });
    const range = `from=${iso(T0 - HOUR)}&to=${iso(T0 + HOUR)}`;
    expect(await usage(`?${range}&granularity=minute`)).toEqual([
      expect.objectContaining({ start: "2026-12-01T10:59:00.000Z", admitted: 1, rejected: {} }),
      expect.objectContaining({
        start: "2026-12-01T11:00:00.000Z",
        admitted: 1,
        rejected: { invalid_parameter: 1 },
      }),
    ]);
    expect(await usage(`?${range}&granularity=hour`)).toEqual([
      expect.objectContaining({ start: "2026-12-01T10:00:00.000Z", admitted: 1 }),
      expect.objectContaining({ start: "2026-12-01T11:00:00.000Z", admitted: 1 }),
    ]);
    expect(await usage(`?from=${iso(T0 - DAY)}&granularity=day`)).toEqual([
      expect.objectContaining({
        start: "2026-12-01T00:00:00.000Z",
        admitted: 2,
        units: 2,
        rejected: { invalid_parameter: 1 },
        origin: { "2xx": 2, "3xx": 0, "4xx": 0, "5xx": 0 },
      }),
    ]);
    // `from` inside a bucket includes that bucket; `to` excludes the bucket starting there.
    expect(await usage(`?from=${iso(T0)}&to=${iso(Date.UTC(2026, 11, 1, 11, 0, 0))}`)).toHaveLength(
      1,
    );
  });

  it("keeps minutes 7 days and hours 90 days, then the alarm drops them", async () => {
    const { clock, gw, account, usage } = await setup();
    await send(gw, account.key, "/v1/submissions", { method: "GET" });
    const stored = () =>
      runInObject(account.accountId, "SELECT granularity, count(*) AS n FROM usage GROUP BY 1");

    clock.set(T0 + 7 * DAY);
    // `from` exactly 7 days back is still inside what is kept (its bucket started before).
    expect(await usage(`?from=${iso(T0)}`)).toHaveLength(1);
    await runDurableObjectAlarm(accountObject(account.accountId));
    expect(await stored()).toEqual([
      { granularity: "hour", n: 1 },
      { granularity: "minute", n: 1 },
    ]);

    clock.set(T0 + 7 * DAY + 2 * MINUTE);
    await runDurableObjectAlarm(accountObject(account.accountId));
    expect(await stored()).toEqual([{ granularity: "hour", n: 1 }]);
    expect(await usage(`?granularity=hour&from=${iso(T0 - HOUR)}`)).toEqual([
      expect.objectContaining({ admitted: 1 }),
    ]);

    clock.set(T0 + 90 * DAY + 2 * HOUR);
    await runDurableObjectAlarm(accountObject(account.accountId));
    expect(await stored()).toEqual([]);
  });

  it("sets an alarm so retention runs even when nothing else is pending", async () => {
    const { gw, account } = await setup(Date.now());
    await send(gw, account.key, "/v1/submissions", { method: "GET" });
    const alarm = await runInObjectState(account.accountId, (state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
  });

  it("sends the isolate's counts after the response, in one batch per account", async () => {
    const clock = new ManualClock(T0);
    const memory = newIsolateMemory({ usageFlushMs: 50 });
    const gw = gateway({ clock, memory });
    const account = await createAccount(gw, { clock });
    const bad = await gw.raw("/v1/submissions?limit=0", { headers: bearer(account.key) });
    expect(bad.response.status).toBe(400);
    await bad.response.text();
    const query = `/accounts/${account.accountId}/usage?from=${iso(T0 - MINUTE)}`;
    // Counted in the isolate, not yet sent.
    expect(memory.usage.size).toBe(1);
    expect((await admin(gateway({ clock }), "GET", query)).json.data).toEqual([]);
    await bad.settled();
    expect(memory.usage.size).toBe(0);
    expect((await admin(gateway({ clock }), "GET", query)).json.data).toEqual([
      expect.objectContaining({ rejected: { invalid_parameter: 1 } }),
    ]);
  });
});

describe("recent rejections", () => {
  it("lists the account's rejections newest first with their request ids", async () => {
    const { gw, account } = await setup();
    const first = await send(gw, account.key, "/v1/submissions?limit=0", {
      method: "GET",
      headers: { "X-Request-Id": "req-first" },
    });
    expect(first.status).toBe(400);
    const res = await admin(gw, "GET", `/accounts/${account.accountId}/rejections`);
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([
      {
        at: iso(T0),
        request_id: "req-first",
        code: "invalid_parameter",
        status: 400,
        key_id: account.keyId,
        method: "GET",
        path: "/v1/submissions",
      },
    ]);
    expect((await admin(gw, "GET", "/accounts/nobody-here/rejections")).status).toBe(404);
    expect(
      (await admin(gw, "GET", `/accounts/${account.accountId}/rejections?limit=0`)).json.error
        .details,
    ).toEqual({ field: "limit" });
  });
});

describe("usage query input", () => {
  it("answers 400 invalid_parameter naming the parameter", async () => {
    const { gw, account } = await setup(Date.now());
    const now = Date.now();
    const cases: [string, string][] = [
      ["?since=x", "since"],
      ["?granularity=week", "granularity"],
      ["?from=yesterday", "from"],
      ["?to=2026-13-01T00:00:00Z", "to"],
      [`?from=${iso(now)}&to=${iso(now - MINUTE)}`, "from"],
      [`?from=${iso(now - 8 * DAY)}`, "from"],
      [`?granularity=hour&from=${iso(now - 91 * DAY)}`, "from"],
      ["?key_id=../../x", "key_id"],
      ["?granularity=hour&granularity=day", "granularity"],
    ];
    for (const [query, field] of cases) {
      const res = await admin(gw, "GET", `/accounts/${account.accountId}/usage${query}`);
      expect({
        query,
        status: res.status,
        code: res.json.error.code,
        field: res.json.error.details.field,
      }).toEqual({
        query,
        status: 400,
        code: "invalid_parameter",
        field,
      });
    }
    expect((await admin(gw, "GET", "/accounts/nobody-here/usage")).status).toBe(404);
  });

  it("refuses a first day that would start where hours are no longer kept, and cuts a default span instead", async () => {
    const { gw, account } = await setup(Date.now());
    const now = Date.now();
    // 89 days back is kept whole; a day starting 90 days back or more is not.
    const url = (query: string) => `/accounts/${account.accountId}/usage${query}`;
    expect(
      (await admin(gw, "GET", url(`?granularity=day&from=${iso(now - 89 * DAY)}`))).status,
    ).toBe(200);
    const partial = await admin(gw, "GET", url(`?granularity=day&from=${iso(now - 90 * DAY)}`));
    expect(partial.json.error.details).toEqual({ field: "from" });
    // No `from`: the default week before an old `to` is cut to what is kept, not refused.
    expect((await admin(gw, "GET", url(`?granularity=day&to=${iso(now - 88 * DAY)}`))).status).toBe(
      200,
    );
    expect((await admin(gw, "GET", url(`?to=${iso(now - 7 * DAY)}`))).status).toBe(200);
  });
});

async function runInObject(accountId: string, query: string) {
  return runInObjectState(accountId, (state) =>
    state.storage.sql
      .exec(query)
      .toArray()
      .map((row) => ({ ...row })),
  );
}

async function runInObjectState<T>(
  accountId: string,
  fn: (state: DurableObjectState) => T | Promise<T>,
): Promise<T> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(accountObject(accountId), (_instance, state) => fn(state));
}
