// Time: an origin timeout keeps the key locked until ORIGIN_TIMEOUT_MS + 5 s; a stored answer
// is kept 24 h, and the Durable Object's alarm removes expired records, an answer stored in
// pieces with its record.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { COMPLETION_MARGIN_MS } from "../../../src/account/client";
import { IDEMPOTENCY_RETENTION_MS } from "../../../src/account/idempotency-store";
import { configFor } from "../../../src/config/config";
import type { Bindings } from "../../../src/env";
import { accountObject, idempotencyRows } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { bearer, gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { CREATE_BODY, send } from "../support/requests";
import { expectExecuted, expectInProgress, expectReplayOf, freshKey } from "./support";

/** The origin timeout the Worker and its Durable Object run with (vitest.config.ts: 2000). */
const ORIGIN_TIMEOUT_MS = configFor(env as Bindings).originTimeoutMs;
const DAY_MS = 24 * 3_600_000;

describe("idempotency lock after an origin timeout", () => {
  it("keeps the key in progress until ORIGIN_TIMEOUT_MS + 5 s, then lets the retry execute", {
    timeout: 20_000,
  }, async () => {
    expect(ORIGIN_TIMEOUT_MS).toBe(2_000);
    expect(COMPLETION_MARGIN_MS).toBe(5_000);
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const tag = uniqueId("idem-timeout");
    const key = freshKey();

    const timedOut = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag, "X-Test-Delay-Ms": "3000" },
    });
    expect(timedOut.status).toBe(503);
    expect(timedOut.json.error.details.reason).toBe("origin_timeout");
    expect(Number(timedOut.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "in_progress", status: null },
    ]);

    // The origin may still be working on it: the same request is answered 409 until the lock
    // expires, even just before the deadline.
    expectInProgress(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
    );
    clock.advance(ORIGIN_TIMEOUT_MS + COMPLETION_MARGIN_MS - 1);
    expectInProgress(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
    );
    expect((await originStats(tag)).creates).toBe(1);

    clock.advance(2);
    const retry = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag },
    });
    expectExecuted(retry);
    expect((await originStats(tag)).creates).toBe(2);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
      retry,
    );
  });

  it("lets the alarm clear an expired lock", { timeout: 20_000 }, async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const key = freshKey();

    const timedOut = await send(gw, account.key, "/__test/fast", {
      idempotencyKey: key,
      headers: { "X-Test-Delay-Ms": "3000" },
    });
    expect(timedOut.status).toBe(503);
    const stub = accountObject(account.accountId);
    // Before the lock expires, the alarm keeps the record.
    await runDurableObjectAlarm(stub);
    expect(await idempotencyRows(account.accountId)).toHaveLength(1);

    clock.advance(ORIGIN_TIMEOUT_MS + COMPLETION_MARGIN_MS + 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await idempotencyRows(account.accountId)).toEqual([]);
  });
});

describe("24 h retention", () => {
  it("replays until 24 h have passed, then executes the same key again", async () => {
    expect(IDEMPOTENCY_RETENTION_MS).toBe(DAY_MS);
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const tag = uniqueId("idem-24h");
    const key = freshKey();
    const headers = { "X-Test-Tag": tag };

    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers,
    });
    expectExecuted(original);

    clock.advance(DAY_MS - 1_000);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers,
      }),
      original,
    );

    clock.advance(2_000);
    const again = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers,
    });
    // The gateway forgot the key and forwarded the request again...
    expect((await originStats(tag)).creates).toBe(2);
    // ...and the demo origin, which de-duplicates on the forwarded key on its own clock (still
    // within its 24 h), answered with its stored answer rather than creating again.
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.id).toBe(original.json.id);
    expect((await originStats(tag)).executed_creates).toBe(1);
  });

  it("lets the alarm remove records older than 24 h and keep younger ones", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const stub = accountObject(account.accountId);
    const oldKey = freshKey("old");
    expectExecuted(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: oldKey, body: CREATE_BODY }),
    );

    // An alarm before the deadline removes nothing.
    await runDurableObjectAlarm(stub);
    expect(await idempotencyRows(account.accountId)).toHaveLength(1);

    clock.advance(12 * 3_600_000);
    const youngKey = freshKey("young");
    expectExecuted(
      await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: youngKey,
        body: CREATE_BODY,
      }),
    );
    expect(await idempotencyRows(account.accountId)).toHaveLength(2);

    clock.advance(12 * 3_600_000 + 1_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key: youngKey, state: "completed", status: 201 },
    ]);
  });
});

describe("a stored answer kept in pieces", () => {
  it("is deleted with its record when the 24 h retention ends", async () => {
    const clock = new ManualClock();
    const gw = gateway({
      clock,
      vars: { GATEWAY_POLICY: JSON.stringify({ default_body_limit_bytes: 4 * 1024 * 1024 }) },
    });
    const account = await createAccount(gw, { clock });
    const body = "z".repeat(3 * 1024 * 1024);
    const first = await gw.fetch("/__test/echo/pieces", {
      method: "POST",
      headers: {
        ...bearer(account.key),
        "Idempotency-Key": "pieces",
        "Content-Type": "text/plain",
      },
      body,
    });
    expect(first.status).toBe(200);
    const pieces = () =>
      runInDurableObject(
        accountObject(account.accountId),
        (_instance, state) =>
          state.storage.sql
            .exec<{ n: number }>("SELECT count(*) AS n FROM idempotency_chunks")
            .one().n,
      );
    expect(await pieces()).toBeGreaterThanOrEqual(3);
    clock.advance(24 * 3_600_000 + 1_000);
    await runDurableObjectAlarm(accountObject(account.accountId));
    expect(await pieces()).toBe(0);
  });
});
