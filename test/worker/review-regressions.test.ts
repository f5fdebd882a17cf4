// Regressions found in review: each test failed before its fix.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { digestApiKey } from "../../src/keys/key-format";
import { accountOn, create } from "./admission/admission-support";
import { accountObject, testTerms, usage, useClock } from "./support/account-object";
import {
  bearer,
  createAccount,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
} from "./support/gateway";

describe("dot segments in any spelling", () => {
  it.each([
    "/zz/..%2Fv1/submissions",
    "/zz/%2E%2E/v1/submissions",
    "/v1%2F.%2Fsubmissions",
    "/v1/x/..%5Csubmissions",
  ])("POST %s gets the create route's checks and reaches the origin canonical", async (path) => {
    const gw = gateway();
    const reader = await createAccount(gw, { scopes: ["submissions:read"] });
    const tag = uniqueId("dots");
    const denied = await gw.fetch(path, {
      method: "POST",
      headers: { ...bearer(reader.key), "Content-Type": "application/json", "X-Test-Tag": tag },
      body: JSON.stringify({ num_generations: 10 }),
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe("scope_required");

    const writer = await createAccount(gw);
    const capped = await gw.fetch(path, {
      method: "POST",
      headers: { ...bearer(writer.key), "Content-Type": "application/json", "X-Test-Tag": tag },
      body: JSON.stringify({ num_generations: 1_000_000 }),
    });
    expect(capped.status).toBe(403);
    expect(capped.json.error.code).toBe("tier_limit_exceeded");
    expect((await originStats(tag)).count).toBe(0);

    const created = await gw.fetch(path, {
      method: "POST",
      headers: { ...bearer(writer.key), "Content-Type": "application/json" },
      body: JSON.stringify({ num_generations: 10 }),
    });
    expect(created.status).toBe(201);
    expect((await usage(gw, writer.accountId)).active.submissions).toEqual([created.json.id]);
  });
});

describe("a cancel answered without a body", () => {
  it("frees the submission's slot on a 2xx with no body (204)", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const created = await create(gw, account.key);
    expect(created.status).toBe(201);
    expect((await usage(gw, account.accountId)).active.used).toBe(1);
    const cancelled = await gw.fetch(`/v1/submissions/${created.json.id}/cancel`, {
      method: "POST",
      headers: { ...bearer(account.key), "X-Test-Status": "204", "X-Test-Body": "empty" },
    });
    expect(cancelled.status).toBe(204);
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
  });
});

describe("a breaker probe answered without the origin", () => {
  it("does not leave everyone shed until the probe times out", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw);
    const tag = uniqueId("probe");
    const headers = { ...bearer(account.key), "X-Test-Tag": tag };
    const stored = await gw.fetch("/__test/fast", {
      method: "POST",
      headers: { ...headers, "Idempotency-Key": "probe-key" },
      body: "one",
    });
    expect(stored.status).toBe(200);
    await gw.fetch("/__test/fast", {
      headers: { ...headers, "X-Test-Status": "503", "X-Test-Retry-After": "5" },
    });
    clock.advance(5_000);
    // The probe slot goes to a request the account's object answers itself (a mismatch).
    const mismatch = await gw.fetch("/__test/fast", {
      method: "POST",
      headers: { ...headers, "Idempotency-Key": "probe-key" },
      body: "two",
    });
    expect(mismatch.status).toBe(422);
    const next = await gw.fetch("/__test/fast", { headers });
    expect(next.status).toBe(200);
    expect((await originStats(tag)).count).toBe(3);
  });
});

describe("a completion that arrives after its pending slot expired", () => {
  it("holds the created submission again instead of losing it from the count", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await accountOn(gw, clock);
    await useClock(account.accountId, clock);
    const keyDigest = digestApiKey(account.key);
    await runInDurableObject(accountObject(account.accountId), (instance) => {
      const admitted = instance.admit(
        {
          keyId: account.keyId,
          keyDigest,
          requiredScope: "submissions:write",
          takesSlot: true,
          idempotency: null,
          requestId: "late-1",
          submissionId: null,
        },
        testTerms(),
      );
      if (admitted.outcome !== "admitted") throw new Error(admitted.outcome);
      clock.advance(60_000);
      expect(instance.getAccount(testTerms())?.usage.active.used).toBe(0);
      instance.complete(admitted.ticket, {
        kind: "answered",
        status: 201,
        submissionId: "sub_late",
        storable: null,
      });
      expect(instance.getAccount(testTerms())?.usage.active).toMatchObject({
        used: 1,
        submissions: ["sub_late"],
      });
    });
  });
});

describe("a stored answer kept in pieces", () => {
  it("is deleted with its record when the 24 h retention ends", async () => {
    const clock = new ManualClock();
    const gw = gateway({
      clock,
      vars: { GATEWAY_POLICY: JSON.stringify({ default_body_limit_bytes: 4 * 1024 * 1024 }) },
    });
    const account = await accountOn(gw, clock);
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

describe("an admin body", () => {
  it("over 64 KiB is refused with 413 before it is buffered", async () => {
    const gw = gateway();
    const res = await gw.fetch("/_gateway/admin/accounts", {
      method: "POST",
      headers: { ...bearer("test-admin-token"), "Content-Type": "application/json" },
      body: JSON.stringify({ id: "big", padding: "x".repeat(70 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({
      code: "invalid_body",
      details: { reason: "body_too_large", limit_bytes: 65536 },
    });
  });
});
