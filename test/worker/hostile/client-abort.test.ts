// Clients that abort (contract sections 5 and 8), through the Worker's real entry point
// (`exports.default.fetch` with an AbortController): a create aborted while the origin works
// still finishes, holds its slot and stores its answer for the retry; an aborted read and an
// upload that dies before admission leave nothing behind and consume nothing.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tables, usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import {
  bearer,
  GATEWAY,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
  untilAtOrigin,
} from "../support/gateway";
import { CREATE_BODY, create, JSON_HEADERS } from "../support/requests";
import { expectHealthy, originSubmissions } from "./hostile-support";

/** Polls the account's tables (real time, bounded) until the key's answer is stored. */
async function untilStored(accountId: string, key: string): ReturnType<typeof tables> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const now = await tables(accountId);
    if (now.idempotency.some((row) => row.key === key && row.state === "completed")) return now;
    if (Date.now() > deadline) throw new Error(`${key} was never stored: ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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
  it("lets the create it started finish: its slot is held, its answer stored, and the retry replays it", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const tag = uniqueId("client-abort");

    await abortAtOrigin(
      "/v1/submissions",
      {
        method: "POST",
        headers: {
          ...bearer(account.key),
          ...JSON_HEADERS,
          "Idempotency-Key": "abort-1",
          "X-Test-Delay-Ms": "300",
          "X-Test-Tag": tag,
        },
        body: JSON.stringify(CREATE_BODY),
      },
      tag,
    );
    // The handler was cancelled with the client; the exchange and its completion ran on under
    // waitUntil. Until the origin answers, the retry is told to wait.
    expectEnvelope(await create(gw, account.key, { "Idempotency-Key": "abort-1" }), 409);
    const stored = await untilStored(account.accountId, "abort-1");
    const [submission] = await originSubmissions(gw, account);
    expect(stored.slots).toEqual([{ submission_id: submission }]);
    expect((await usage(gw, account.accountId)).active.submissions).toEqual([submission]);

    const retry = await create(gw, account.key, { "Idempotency-Key": "abort-1" });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.json.id).toBe(submission);
    expect((await originStats(tag)).creates).toBe(1);
    expect(await originSubmissions(gw, account)).toEqual([submission]);
    await expectHealthy(gw, account);
  });

  it("leaves nothing behind for an aborted read", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
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
    const account = await createAccount(gw, { clock });
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
      headers: { ...bearer(account.key), ...JSON_HEADERS, "X-Test-Tag": tag },
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
