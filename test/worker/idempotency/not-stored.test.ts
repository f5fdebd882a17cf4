// What frees a key instead of storing an answer: origin answers that mean "not processed,
// retry" and the gateway's own errors. (Answers of unknown outcome keep it in progress:
// unknown-outcome.test.ts.)
import { describe, expect, it } from "vitest";
import { idempotencyRows } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { adminHeaders, gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { CREATE_BODY, send } from "../support/requests";
import { expectExecuted, expectReplayOf, freshKey } from "./support";

const NOT_PROCESSED = [408, 425, 429, 502, 503, 504];
const MIB = 1024 * 1024;

describe("answers that free the Idempotency-Key", () => {
  it.each(NOT_PROCESSED)(
    "does not store an origin %i: the retry reaches the origin again",
    async (status) => {
      const gw = gateway();
      const account = await createAccount(gw);
      const tag = uniqueId(`idem-${status}`);
      const key = freshKey();

      const first = await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers: { "X-Test-Tag": tag, "X-Test-Status": String(status) },
      });
      expect(first.status).toBe(status);
      expect(first.headers.get("Idempotent-Replayed")).toBeNull();
      expect(await idempotencyRows(account.accountId)).toEqual([]);

      const retry = await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers: { "X-Test-Tag": tag },
      });
      expectExecuted(retry);
      expect((await originStats(tag)).creates).toBe(2);
      // And the successful retry is what is stored now.
      expectReplayOf(
        await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
        retry,
      );
    },
  );

  it("does not store an origin 500 HTML page replaced by the gateway's envelope", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-500-html");
    const key = freshKey();

    const first = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag, "X-Test-Status": "500", "X-Test-Body": "html" },
    });
    expect(first.status).toBe(500);
    expect(first.json.error.code).toBe("internal_error");
    expect(first.text).not.toContain("<html>");

    const retry = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag },
    });
    expectExecuted(retry);
    expect((await originStats(tag)).creates).toBe(2);
  });

  it("never records the gateway's own 400, 413 and 403 answers", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-own-errors");
    const key = freshKey();
    const headers = { "X-Test-Tag": tag };

    const invalid = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: { num_generations: "many" },
      headers,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe("invalid_body");
    const notJson = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: "{",
      headers,
    });
    expect(notJson.status).toBe(400);
    const tooLarge = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: { name: "x".repeat(70 * 1024) },
      headers,
    });
    expect(tooLarge.status).toBe(413);
    const overCap = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: { num_generations: 5000 },
      headers,
    });
    expect(overCap.status).toBe(403);
    expect(overCap.json.error.code).toBe("tier_limit_exceeded");
    expect(await idempotencyRows(account.accountId)).toEqual([]);
    expect((await originStats(tag)).count).toBe(0);

    // The same key with a valid body is a first execution, not a mismatch.
    expectExecuted(
      await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers,
      }),
    );
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("never records an admission rejected for the in-flight cap", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await send(gw, account.key, "/v1/submissions", { body: CREATE_BODY });
      expectExecuted(res);
      created.push(res.json.id);
    }
    const key = freshKey();
    const blocked = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe("too_many_active_api_requests");
    expect(await idempotencyRows(account.accountId)).toEqual([]);

    const release = await gw.fetch(
      `/_gateway/admin/accounts/${account.accountId}/submissions/${created[0]}/release`,
      { method: "POST", headers: adminHeaders },
    );
    expect(release.json).toEqual({ released: true });
    expectExecuted(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
    );
  });

  it("never records an admission rejected by the per-minute rate", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => send(gw, account.key, "/__test/fast", { method: "GET" })),
    );
    expect(answers.every((res) => res.status === 200)).toBe(true);

    const key = freshKey();
    const tag = uniqueId("idem-rate");
    const limited = await send(gw, account.key, "/__test/fast", {
      idempotencyKey: key,
      headers: { "X-Test-Tag": tag },
    });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe("rate_limited");
    expect(await idempotencyRows(account.accountId)).toEqual([]);

    clock.advance(61_000);
    expectExecuted(
      await send(gw, account.key, "/__test/fast", {
        idempotencyKey: key,
        headers: { "X-Test-Tag": tag },
      }),
      200,
    );
    expect((await originStats(tag)).count).toBe(1);
  });
});

describe("answers larger than one stored piece (1 MiB)", () => {
  it("are stored in pieces and replayed byte for byte", async () => {
    const gw = gateway({
      vars: { GATEWAY_POLICY: JSON.stringify({ default_body_limit_bytes: 4 * MIB }) },
    });
    const account = await createAccount(gw);
    const key = freshKey();
    const payload = "y".repeat(2.5 * MIB);

    const first = await send(gw, account.key, "/__test/echo/large", {
      idempotencyKey: key,
      body: payload,
      headers: { "Content-Type": "text/plain", "X-Request-Id": "large-1" },
    });
    expectExecuted(first, 200);
    expect(first.json.body_bytes).toBe(payload.length);
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "completed", status: 200 },
    ]);

    const replay = await send(gw, account.key, "/__test/echo/large", {
      idempotencyKey: key,
      body: payload,
      headers: { "Content-Type": "text/plain", "X-Request-Id": "large-2" },
    });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(first.text);
    expect(replay.json.headers["x-request-id"]).toBe("large-1");
  });
});
