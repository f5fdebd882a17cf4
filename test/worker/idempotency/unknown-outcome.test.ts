// Exchanges whose outcome the gateway cannot know: the origin may have executed the request.
// The Idempotency-Key stays in progress (409) and a create's slot pending until the lock set at
// admission ends; only then may a retry execute again. Time in the account's object is moved
// by hand; the origin and its failures are real.
import { describe, expect, it } from "vitest";
import { idempotencyRows, LOCK_MS, usage } from "../support/account-object";
import { createAccount, type TestAccount } from "../support/accounts";
import {
  type GatewayHarness,
  gateway,
  ManualClock,
  originStats,
  originUrl,
  uniqueId,
  untilAtOrigin,
} from "../support/gateway";
import { CREATE_BODY, requestInit, send } from "../support/requests";
import { freshKey } from "./support";

const MIB = 1024 * 1024;
/** Nothing listens on port 9 of the loopback: every connection is refused. */
const CLOSED_ORIGIN = "http://127.0.0.1:9";

/** Sends and reads the answer to its end (or its break), completion work included. */
async function sendAndDrain(
  gw: GatewayHarness,
  account: TestAccount,
  path: string,
  key: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const { response, settled } = await gw.raw(
    path,
    requestInit(account.key, { idempotencyKey: key, headers }),
  );
  await response.arrayBuffer().catch(() => undefined);
  await settled();
  return response;
}

/**
 * The same request under the same key is in progress until one millisecond before the lock
 * ends, and is forwarded anew (reaching the origin once more) after it; returns that answer.
 */
async function expectLockedUntilLockEnds(
  gw: GatewayHarness,
  account: TestAccount,
  clock: ManualClock,
  key: string,
  request: { path: string; body?: unknown },
): Promise<Response> {
  expect(await idempotencyRows(account.accountId)).toEqual([
    { key, state: "in_progress", status: null },
  ]);
  const again = (headers: Record<string, string> = {}) =>
    gw.raw(
      request.path,
      requestInit(account.key, { idempotencyKey: key, body: request.body, headers }),
    );
  const drained = async (headers?: Record<string, string>) => {
    const { response, settled } = await again(headers);
    const text = await response.text().catch(() => "");
    await settled();
    return { response, text };
  };
  for (const advance of [0, LOCK_MS - 1]) {
    clock.advance(advance);
    const { response, text } = await drained();
    expect(response.status, text).toBe(409);
    expect(JSON.parse(text).error.code).toBe("idempotency_key_in_progress");
  }
  clock.advance(2);
  const tag = uniqueId("after-lock");
  const { response } = await drained({ "X-Test-Tag": tag });
  expect((await originStats(tag)).count).toBe(1);
  return response;
}

describe("a create whose outcome is unknown", () => {
  it("keeps the key in progress, the slot pending and the quota charged when the connection fails", async () => {
    const clock = new ManualClock();
    const down = gateway({ clock, vars: { ORIGIN_URL: CLOSED_ORIGIN } });
    const account = await createAccount(down, { clock });
    const key = freshKey("refused");

    const first = await send(down, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expect(first.status).toBe(503);
    expect(first.json.error.details.reason).toBe("origin_unreachable");
    // workerd answers a refused connection and one lost after sending with the same error, so
    // the gateway cannot tell that the origin never saw it.
    const during = await usage(down, account.accountId);
    expect(during.active.used).toBe(1);
    expect(during.daily.used).toBe(1);
    const retry = await expectLockedUntilLockEnds(gateway({ clock }), account, clock, key, {
      path: "/v1/submissions",
      body: CREATE_BODY,
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
  });
});

describe("a keyed request whose answer cannot be read to its end", () => {
  it("keeps the key in progress when the answer breaks mid-body", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const key = freshKey("reset");
    const tag = uniqueId("reset");

    const response = await sendAndDrain(gw, account, "/__test/reset", key, { "X-Test-Tag": tag });
    expect(response.status).toBe(200);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await originStats(tag)).count).toBe(1);
    const retry = await expectLockedUntilLockEnds(gw, account, clock, key, {
      path: "/__test/reset",
    });
    expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await originStats(tag)).count).toBe(1);
  });

  it("keeps the key in progress when the answer is over the 8 MiB kept for replay, and still delivers it", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const key = freshKey("big");
    const tag = uniqueId("big");
    const path = `/__test/big?bytes=${8 * MIB + 1}`;

    const { response, settled } = await gw.raw(
      path,
      requestInit(account.key, { idempotencyKey: key, headers: { "X-Test-Tag": tag } }),
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    await settled();
    expect(response.status).toBe(200);
    expect(bytes.byteLength).toBe(8 * MIB + 1);
    expect(bytes.every((byte) => byte === 0x78)).toBe(true);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "in_progress", status: null },
    ]);
    const retry = await expectLockedUntilLockEnds(gw, account, clock, key, { path });
    expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await originStats(tag)).count).toBe(1);
  });
});

describe("an answer still arriving when the origin timeout ends", () => {
  it("is cut at the deadline, keeping the key in progress and the slot pending until the lock ends", async () => {
    const clock = new ManualClock();
    // Two slots: without a deadline on the body, each slow create used to free its pending slot
    // at the lock's end while still running, so four could be held at once.
    const policy = JSON.stringify({ tiers: { free: { in_flight: 2 } } });
    const gw = gateway({ clock, vars: { GATEWAY_POLICY: policy } });
    const account = await createAccount(gw, { clock });
    const key = freshKey("slow-body");
    const tag = uniqueId("slow-body");
    // The test origin timeout is 2 s; the 201's headers come at once and its body after 4 s.
    const slow = { "X-Test-Body-Delay-Ms": "4000", "X-Test-Tag": tag };

    const started = Date.now();
    const { response, settled } = await gw.raw(
      "/v1/submissions",
      requestInit(account.key, { idempotencyKey: key, body: CREATE_BODY, headers: slow }),
    );
    expect(response.status).toBe(201);
    await expect(response.text()).rejects.toThrow();
    await settled();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(3_900);
    expect((await originStats(tag)).executed_creates).toBe(1);

    // A second slow create takes the other slot; a third finds both taken.
    const second = await gw.raw(
      "/v1/submissions",
      requestInit(account.key, { body: CREATE_BODY, headers: slow }),
    );
    await second.response.text().catch(() => undefined);
    await second.settled();
    expect((await usage(gw, account.accountId)).active.used).toBe(2);
    const third = await send(gw, account.key, "/v1/submissions", { body: CREATE_BODY });
    expect(third.status).toBe(429);
    expect(third.json.error.code).toBe("too_many_active_api_requests");

    // By now the origin has finished that create and stored it under the forwarded key, so
    // the retry after the lock is its own replay: one submission in all.
    const retry = await expectLockedUntilLockEnds(gw, account, clock, key, {
      path: "/v1/submissions",
      body: CREATE_BODY,
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await originStats(tag)).executed_creates).toBe(2);
  });
});

describe("a connection lost after the origin executed the request", () => {
  it("keeps the key in progress until the lock ends; then the origin's own de-duplication replays it", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const key = freshKey("dropped");
    const tag = uniqueId("dropped");

    const first = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Drop": "after-execute", "X-Test-Tag": tag },
    });
    expect(first.status).toBe(503);
    expect(first.json.error.details.reason).toBe("origin_unreachable");
    // The origin did create it; the gateway cannot know, so nothing is given back.
    expect((await originStats(tag)).executed_creates).toBe(1);
    const during = await usage(gw, account.accountId);
    expect(during.active.used).toBe(1);
    expect(during.daily.used).toBe(1);
    const again = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("idempotency_key_in_progress");

    clock.advance(LOCK_MS + 1);
    const retry = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag },
    });
    expect(retry.status, retry.text).toBe(201);
    // Forwarded once more, executed once in all: the origin replayed its stored answer.
    expect((await originStats(tag)).creates).toBe(2);
    expect((await originStats(tag)).executed_creates).toBe(1);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
  });
});

describe("the origin's own 409 idempotency_key_in_progress", () => {
  it("passes to the client and frees the key instead of being stored as its answer for a day", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey("origin-busy");
    const tag = uniqueId("origin-busy");
    // The same key already at work at the origin (sent there directly, as a retry after the
    // gateway's lock ended would find it).
    const direct = fetch(`${originUrl()}/v1/submissions`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Gateway-Account-Id": account.accountId,
        "X-Gateway-Scopes": "submissions:write",
        "Idempotency-Key": key,
        "X-Test-Delay-Ms": "800",
        "X-Test-Tag": tag,
      },
      body: JSON.stringify(CREATE_BODY),
    });
    await untilAtOrigin(tag);

    const busy = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expect(busy.status).toBe(409);
    expect(busy.json.error.code).toBe("idempotency_key_in_progress");
    expect(await idempotencyRows(account.accountId)).toEqual([]);

    const first = await direct;
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string };
    const retry = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expect(retry.status).toBe(201);
    expect(retry.json.id).toBe(created.id);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "completed", status: 201 },
    ]);
  });
});
