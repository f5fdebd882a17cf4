// An origin that misbehaves (contract sections 3 and 5): refused connections, answers slower
// than the timeout (slot and lock held until timeout + 5 s, then freed and retried once), JSON
// and HTML 5xx answers, a connection cut mid-body, and redirects; the gateway stays healthy.
import { describe, expect, it } from "vitest";
import { COMPLETION_MARGIN_MS } from "../../../src/account/client";
import { LOCK_MS, tables, usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { bearer, gateway, ManualClock, originStats, originUrl, uniqueId } from "../support/gateway";
import { create } from "../support/requests";
import { expectFreedThenRetriedOnce, expectHealthy } from "./hostile-support";

/** Nothing listens on port 1 of the loopback: every connection is refused. */
const CLOSED_ORIGIN = "http://127.0.0.1:1";

describe("an origin that refuses connections", () => {
  it("answers a create 503 origin_unreachable without the origin's address, and keeps its admission until the lock ends", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const down = gateway({ clock, vars: { ORIGIN_URL: CLOSED_ORIGIN } });

    const res = await create(down, account.key, { "Idempotency-Key": "down-1" });
    const error = expectEnvelope(res, 503, "service_unavailable");
    expect(error.details.reason).toBe("origin_unreachable");
    expect(res.text).not.toContain("127.0.0.1");
    // It may have reached the origin (workerd cannot tell a refusal from a lost connection).
    expect(await tables(account.accountId)).toEqual({
      slots: [{ submission_id: null }],
      idempotency: [{ key: "down-1", state: "in_progress" }],
    });
    expectEnvelope(await create(down, account.key, { "Idempotency-Key": "down-1" }), 409);

    // When the origin is back and the lock has ended, the same key creates exactly once.
    clock.advance(LOCK_MS + 1);
    const tag = uniqueId("refused-back");
    const back = await create(gw, account.key, {
      "Idempotency-Key": "down-1",
      "X-Test-Tag": tag,
    });
    expect(back.status, back.text).toBe(201);
    expect((await originStats(tag)).creates).toBe(1);
    await expectHealthy(gw, account);
  });

  it("answers a plain read 503 origin_unreachable with Retry-After", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const down = gateway({ vars: { ORIGIN_URL: CLOSED_ORIGIN } });
    const res = await down.fetch("/v1/submissions", { headers: bearer(account.key) });
    expect(expectEnvelope(res, 503, "service_unavailable").details.reason).toBe(
      "origin_unreachable",
    );
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
    await expectHealthy(gw, account);
  });
});

describe("an origin slower than the timeout", () => {
  it("answers 503 origin_timeout, keeps slot and key pending until timeout + 5 s, then frees both", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    // The worker gives up after 300 ms; the lock it asked the object for runs 300 + 5000 ms.
    const impatient = gateway({ clock, vars: { ORIGIN_TIMEOUT_MS: "300" } });
    const lockMs = 300 + COMPLETION_MARGIN_MS;
    const tag = uniqueId("slow");

    const res = await create(impatient, account.key, {
      "Idempotency-Key": "slow-1",
      "X-Test-Delay-Ms": "3000",
      "X-Test-Tag": tag,
    });
    expect(expectEnvelope(res, 503, "service_unavailable").details.reason).toBe("origin_timeout");
    // The origin may still be creating: the slot stays pending and the key in progress.
    expect(await tables(account.accountId)).toEqual({
      slots: [{ submission_id: null }],
      idempotency: [{ key: "slow-1", state: "in_progress" }],
    });
    const locked = await create(gw, account.key, { "Idempotency-Key": "slow-1" });
    expectEnvelope(locked, 409, "idempotency_key_in_progress");

    clock.advance(lockMs - 1);
    expectEnvelope(await create(gw, account.key, { "Idempotency-Key": "slow-1" }), 409);
    expect((await usage(gw, account.accountId)).active.used).toBe(1);

    // The gateway hung up, so the origin created nothing.
    await expectFreedThenRetriedOnce(gw, account, clock, "slow-1", tag);
  });
});

describe("origin 5xx answers", () => {
  it("passes a JSON 500 envelope through unchanged, stores it for replay, frees the slot", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("json-500");
    const headers = { "Idempotency-Key": "j500", "X-Test-Status": "500", "X-Test-Tag": tag };
    const res = await create(gw, account.key, headers);
    const error = expectEnvelope(res, 500, "internal_error");
    expect(error.message).toContain("Demo origin test answer");
    const replay = await create(gw, account.key, headers);
    expect(replay.status).toBe(500);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(res.text);
    expect((await originStats(tag)).count).toBe(1);
    const after = await usage(gw, account.accountId);
    expect(after.active.used).toBe(0);
    expect(after.daily.used).toBe(0);
    await expectHealthy(gw, account);
  });

  it("passes a JSON 502/504 envelope through and frees the key (not processed, retry)", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    for (const status of ["502", "504"]) {
      const tag = uniqueId(`json-${status}`);
      const headers = {
        "Idempotency-Key": `j${status}`,
        "X-Test-Status": status,
        "X-Test-Tag": tag,
      };
      const res = await create(gw, account.key, headers);
      expect(res.status).toBe(Number(status));
      expect(res.json.error.code).toBe("service_unavailable");
      expect(res.json.error.request_id).toBe(res.headers.get("X-Request-Id"));
      const retry = await create(gw, account.key, headers);
      expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
      expect((await originStats(tag)).count).toBe(2);
    }
    expect(await tables(account.accountId)).toEqual({ slots: [], idempotency: [] });
    await expectHealthy(gw, account);
  });

  it("replaces an HTML 502 with 503 origin_unavailable and an HTML 500 with 500 internal_error, storing neither", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const cases = [
      { status: "502", expected: 503, code: "service_unavailable" },
      { status: "500", expected: 500, code: "internal_error" },
    ];
    for (const { status, expected, code } of cases) {
      const tag = uniqueId(`html-${status}`);
      const headers = {
        "Idempotency-Key": `html-${status}`,
        "X-Test-Status": status,
        "X-Test-Body": "html",
        "X-Test-Tag": tag,
      };
      const res = await create(gw, account.key, headers);
      const error = expectEnvelope(res, expected, code);
      if (expected === 503) expect(error.details.reason).toBe("origin_unavailable");
      expect(res.text).not.toContain("<html");
      // The gateway's own errors are never stored: the same key reaches the origin again.
      const retry = await create(gw, account.key, headers);
      expectEnvelope(retry, expected, code);
      expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
      expect((await originStats(tag)).count).toBe(2);
    }
    expect(await tables(account.accountId)).toEqual({ slots: [], idempotency: [] });
    const after = await usage(gw, account.accountId);
    expect(after.active.used).toBe(0);
    expect(after.daily.used).toBe(0);
    await expectHealthy(gw, account);
  });
});

describe("an origin that cuts the connection mid-body", () => {
  it("gives the client a status and a body that errors, and stays healthy", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const { response, settled } = await gw.raw("/__test/reset", { headers: bearer(account.key) });
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-Id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    await expect(response.arrayBuffer()).rejects.toThrow();
    await settled();
    await expectHealthy(gw, account);
  });
});

describe("an origin that redirects", () => {
  it("passes the 302 back without following it, and replays a stored one", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("redirect");
    const res = await gw.fetch("/__test/redirect", {
      headers: { ...bearer(account.key), "X-Test-Tag": tag },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/v1/elsewhere");
    expect(res.headers.get("Location")).not.toContain(originUrl());
    // Following it would have sent a second tagged request.
    expect((await originStats(tag)).count).toBe(1);

    const init = {
      method: "POST",
      headers: { ...bearer(account.key), "Idempotency-Key": "redirect-1", "X-Test-Tag": tag },
    };
    const first = await gw.fetch("/__test/redirect", init);
    const replay = await gw.fetch("/__test/redirect", init);
    expect(first.status).toBe(302);
    expect(replay.status).toBe(302);
    expect(replay.headers.get("Location")).toBe("/v1/elsewhere");
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await originStats(tag)).count).toBe(2);
    await expectHealthy(gw, account);
  });
});
