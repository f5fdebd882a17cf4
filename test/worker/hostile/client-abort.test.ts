// A client that goes away mid-request. Through the Worker's real entry point (exports.default),
// an abort cancels the request's handler, so its completion report never runs: the pending slot
// and the idempotency lock must not outlive ORIGIN_TIMEOUT_MS + 5 s, and nothing may be left
// that a retry would trip over. Time in the account's object is moved by hand.
import { runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountObject, usage, useClock } from "../support/account-object";
import { expectEnvelope } from "../support/envelope";
import {
  bearer,
  createAccount,
  GATEWAY,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
} from "../support/gateway";
import {
  CREATE_BODY,
  createSubmission,
  expectFreedThenRetriedOnce,
  expectHealthy,
  JSON_TYPE,
  LOCK_MS,
  tables,
  untilAtOrigin,
} from "./hostile-support";

/** Sends through the deployed entry point and aborts once the origin has the request. */
async function abortAtOrigin(path: string, init: RequestInit, tag: string): Promise<void> {
  const controller = new AbortController();
  const pending = exports.default.fetch(`${GATEWAY}${path}`, {
    ...init,
    signal: controller.signal,
  });
  await untilAtOrigin(tag);
  controller.abort();
  await expect(pending).rejects.toThrow(/abort/i);
}

describe("a client that aborts while the origin works", () => {
  it("frees the pending slot and the idempotency key after ORIGIN_TIMEOUT_MS + 5 s, and a retry creates once", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw);
    await useClock(account.accountId, clock);
    const tag = uniqueId("client-abort");

    await abortAtOrigin(
      "/v1/submissions",
      {
        method: "POST",
        headers: {
          ...bearer(account.key),
          ...JSON_TYPE,
          "Idempotency-Key": "abort-1",
          "X-Test-Delay-Ms": "1500",
          "X-Test-Tag": tag,
        },
        body: CREATE_BODY,
      },
      tag,
    );
    // Admitted, never completed: pending, exactly as after an origin timeout.
    expect(await tables(account.accountId)).toEqual({
      slots: [{ submission_id: null }],
      idempotency: [{ key: "abort-1", state: "in_progress" }],
    });
    expect((await usage(gw, account.accountId)).active.used).toBe(1);
    expectEnvelope(await createSubmission(gw, account, { "Idempotency-Key": "abort-1" }), 409);

    clock.advance(LOCK_MS - 1);
    expect(await runDurableObjectAlarm(accountObject(account.accountId))).toBe(true);
    expect((await usage(gw, account.accountId)).active.used).toBe(1);

    // The cancelled request cut the origin's connection too: nothing was created.
    await expectFreedThenRetriedOnce(gw, account, clock, "abort-1", tag);
  });

  it("leaves nothing behind for an aborted read", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw);
    await useClock(account.accountId, clock);
    const tag = uniqueId("abort-read");
    await abortAtOrigin(
      "/v1/submissions",
      { headers: { ...bearer(account.key), "X-Test-Delay-Ms": "1500", "X-Test-Tag": tag } },
      tag,
    );
    expect(await tables(account.accountId)).toEqual({ slots: [], idempotency: [] });
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
    await expectHealthy(gw, account);
  });

  it("consumes nothing when the client dies mid-upload, before admission", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw);
    await useClock(account.accountId, clock);
    const tag = uniqueId("abort-upload");
    const controller = new AbortController();
    // A body that starts and never ends.
    let started!: () => void;
    const bodyStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const body = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(new TextEncoder().encode('{"num_generations": '));
        started();
      },
    });
    const pending = exports.default.fetch(`${GATEWAY}/v1/submissions`, {
      method: "POST",
      headers: { ...bearer(account.key), ...JSON_TYPE, "X-Test-Tag": tag },
      body,
      signal: controller.signal,
    });
    await bodyStarted;
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);

    const after = await usage(gw, account.accountId);
    expect(after.minute.used).toBe(0);
    expect(after.active.used).toBe(0);
    expect(after.daily.used).toBe(0);
    expect((await originStats(tag)).count).toBe(0);
    await expectHealthy(gw, account);
  });
});
