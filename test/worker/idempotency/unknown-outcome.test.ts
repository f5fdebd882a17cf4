// Exchanges whose outcome the gateway cannot know: the origin may have executed the request.
// The Idempotency-Key stays in progress (409) and a create's slot pending until the lock set at
// admission ends; only then may a retry execute again. Time in the account's object is moved
// by hand; the origin and its failures are real.
import { describe, expect, it } from "vitest";
import { LOCK_MS } from "../hostile/hostile-support";
import { usage, useClock } from "../support/account-object";
import {
  createAccount,
  type GatewayHarness,
  gateway,
  ManualClock,
  originStats,
  type TestAccount,
  uniqueId,
} from "../support/gateway";
import { CREATE_BODY, freshKey, idempotencyRows, requestInit, send } from "./support";

const MIB = 1024 * 1024;
/** Nothing listens on port 9 of the loopback: every connection is refused. */
const CLOSED_ORIGIN = "http://127.0.0.1:9";

async function accountWithClock(gw: GatewayHarness, clock: ManualClock): Promise<TestAccount> {
  const account = await createAccount(gw);
  await useClock(account.accountId, clock);
  return account;
}

/** Sends and reads the answer to its end (or its break), completion work included. */
async function sendAndDrain(
  gw: GatewayHarness,
  account: TestAccount,
  path: string,
  key: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const { response, settled } = await gw.raw(path, requestInit(account, { key, headers }));
  await response.arrayBuffer().catch(() => undefined);
  await settled();
  return response;
}

/**
 * The same request under the same key is in progress until one millisecond before the lock
 * ends, and executes anew (reaching the origin once more) after it.
 */
async function expectLockedUntilLockEnds(
  gw: GatewayHarness,
  account: TestAccount,
  clock: ManualClock,
  key: string,
  request: { path: string; body?: unknown },
): Promise<void> {
  expect(await idempotencyRows(account.accountId)).toEqual([
    { key, state: "in_progress", status: null },
  ]);
  const again = (headers: Record<string, string> = {}) =>
    gw.raw(request.path, requestInit(account, { key, body: request.body, headers }));
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
  expect(response.headers.get("Idempotent-Replayed")).toBeNull();
  expect((await originStats(tag)).count).toBe(1);
}

describe("a create whose outcome is unknown", () => {
  it("keeps the key in progress, the slot pending and the quota charged when the connection fails", async () => {
    const clock = new ManualClock();
    const down = gateway({ clock, vars: { ORIGIN_URL: CLOSED_ORIGIN } });
    const account = await accountWithClock(down, clock);
    const key = freshKey("refused");

    const first = await send(down, account, "/v1/submissions", { key, body: CREATE_BODY });
    expect(first.status).toBe(503);
    expect(first.json.error.details.reason).toBe("origin_unreachable");
    // workerd answers a refused connection and one lost after sending with the same error, so
    // the gateway cannot tell that the origin never saw it.
    const during = await usage(down, account.accountId);
    expect(during.active.used).toBe(1);
    expect(during.daily.used).toBe(1);
    await expectLockedUntilLockEnds(gateway({ clock }), account, clock, key, {
      path: "/v1/submissions",
      body: CREATE_BODY,
    });
  });
});

describe("a keyed request whose answer cannot be read to its end", () => {
  it("keeps the key in progress when the answer breaks mid-body", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await accountWithClock(gw, clock);
    const key = freshKey("reset");
    const tag = uniqueId("reset");

    const response = await sendAndDrain(gw, account, "/__test/reset", key, { "X-Test-Tag": tag });
    expect(response.status).toBe(200);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await originStats(tag)).count).toBe(1);
    await expectLockedUntilLockEnds(gw, account, clock, key, { path: "/__test/reset" });
    expect((await originStats(tag)).count).toBe(1);
  });

  it("keeps the key in progress when the answer is over the 8 MiB kept for replay, and still delivers it", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await accountWithClock(gw, clock);
    const key = freshKey("big");
    const tag = uniqueId("big");
    const path = `/__test/big?bytes=${8 * MIB + 1}`;

    const { response, settled } = await gw.raw(
      path,
      requestInit(account, { key, headers: { "X-Test-Tag": tag } }),
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    await settled();
    expect(response.status).toBe(200);
    expect(bytes.byteLength).toBe(8 * MIB + 1);
    expect(bytes.every((byte) => byte === 0x78)).toBe(true);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "in_progress", status: null },
    ]);
    await expectLockedUntilLockEnds(gw, account, clock, key, { path });
    expect((await originStats(tag)).count).toBe(1);
  });
});
