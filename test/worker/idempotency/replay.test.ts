// Replays: the stored answer byte for byte, marked, with the current request's id, consuming
// nothing; what is stored (origin answers, 4xx included) and what reaches the origin.
import { describe, expect, it } from "vitest";
import { idempotencyRows, usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { CREATE_BODY, send, sendForBytes } from "../support/requests";
import { expectExecuted, expectReplayOf, freshKey } from "./support";

describe("replay of a stored answer", () => {
  it("returns the stored body byte for byte with its status, Content-Type and Location", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-replay");
    const key = freshKey();
    const headers = { "X-Test-Tag": tag };

    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { ...headers, "X-Request-Id": "first-request" },
    });
    expectExecuted(original);
    expect(original.headers.get("X-Request-Id")).toBe("first-request");

    const replay = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { ...headers, "X-Request-Id": "second-request" },
    });
    expectReplayOf(replay, original);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Content-Type")).toBe(original.headers.get("Content-Type"));
    expect(replay.headers.get("Location")).toBe(original.headers.get("Location"));
    expect(replay.headers.get("Location")).toBe(`/v1/submissions/${original.json.id}`);
    // The current request's id, never the stored one.
    expect(replay.headers.get("X-Request-Id")).toBe("second-request");
    // Still an authenticated answer with the live rate-limit state.
    expect(replay.headers.get("RateLimit")).toMatch(/^"minute";r=\d+;t=\d+$/);
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("consumes no rate, quota or in-flight slot", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();

    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expectExecuted(original);
    const before = await usage(gw, account.accountId);
    expect(before.minute.used).toBe(1);
    expect(before.daily.used).toBe(1);
    expect(before.active.used).toBe(1);

    for (let i = 0; i < 3; i++) {
      expectReplayOf(
        await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
        original,
      );
    }
    expect(await usage(gw, account.accountId)).toEqual(before);
  });

  it("is served even when the account's in-flight slots are all taken", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expectExecuted(original);
    // Four more creates hold the remaining slots of the free tier (5).
    for (let i = 0; i < 4; i++) {
      expectExecuted(await send(gw, account.key, "/v1/submissions", { body: CREATE_BODY }));
    }
    const blocked = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: freshKey(),
      body: CREATE_BODY,
    });
    expect(blocked.json.error.code).toBe("too_many_active_api_requests");

    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
      original,
    );
  });

  it("is served even when the account is rate limited", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const key = freshKey();
    const original = await send(gw, account.key, "/__test/fast", { idempotencyKey: key });
    expectExecuted(original, 200);
    // 59 more use up the free tier's 60 a minute.
    await Promise.all(
      Array.from({ length: 59 }, () => send(gw, account.key, "/__test/fast", { method: "GET" })),
    );
    const limited = await send(gw, account.key, "/__test/fast", { method: "GET" });
    expect(limited.json.error.code).toBe("rate_limited");

    expectReplayOf(await send(gw, account.key, "/__test/fast", { idempotencyKey: key }), original);
  });

  it("stores and replays an origin 4xx such as 422 validation_failed", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-422");
    const key = freshKey();
    // The demo origin refuses more genes than generations.
    const body = { num_generations: 5, num_genes: 10 };

    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body,
      headers: { "X-Test-Tag": tag },
    });
    expectExecuted(original, 422);
    expect(original.json.error.code).toBe("validation_failed");

    const replay = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body,
      headers: { "X-Test-Tag": tag },
    });
    expectReplayOf(replay, original);
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("stores and replays an origin 500 that is a JSON envelope", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-500-json");
    const key = freshKey();
    const headers = { "X-Test-Tag": tag, "X-Test-Status": "500" };

    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers,
    });
    expectExecuted(original, 500);
    expect(original.json.error.code).toBe("internal_error");

    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers,
      }),
      original,
    );
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("stores an answer of exactly the 1 MiB bound and replays it intact", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const path = `/__test/big?bytes=${1024 * 1024}`;
    const tag = uniqueId("idem-bound");

    const headers = { "X-Test-Tag": tag };
    const original = await sendForBytes(gw, account.key, path, { idempotencyKey: key, headers });
    expect(original.status).toBe(200);
    expect(original.headers.get("Idempotent-Replayed")).toBeNull();
    expect(original.bytes.byteLength).toBe(1024 * 1024);
    const replay = await sendForBytes(gw, account.key, path, { idempotencyKey: key, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.bytes).toEqual(original.bytes);
    expect((await originStats(tag)).count).toBe(1);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "completed", status: 200 },
    ]);
  });

  it("forwards the Idempotency-Key to the origin, unquoted", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();

    const bare = await send(gw, account.key, "/__test/echo/forward", {
      idempotencyKey: key,
      body: { a: 1 },
    });
    expectExecuted(bare, 200);
    expect(bare.json.headers["idempotency-key"]).toBe(key);

    const other = freshKey();
    const quoted = await send(gw, account.key, "/__test/echo/forward", {
      idempotencyKey: `"${other}"`,
      body: { a: 1 },
    });
    expectExecuted(quoted, 200);
    expect(quoted.json.headers["idempotency-key"]).toBe(other);
  });
});
