// API submissions in flight (contract section 5): a create takes a slot at admission; the slot
// is freed at once when the origin did not create, held under the submission's id otherwise,
// left pending until its deadline when the outcome is unknown, and freed exactly once by
// whichever end comes first.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { digestApiKey } from "../../../src/keys/key-format";
import { accountObject, LOCK_MS, slotCount, testTerms, usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import {
  adminHeaders,
  bearer,
  type GatewayHarness,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
} from "../support/gateway";
import { countStatuses, create, read, retryAfterOf } from "../support/requests";

const HOUR_MS = 3_600_000;
/**
 * Alarm tests run their clock this far ahead of real time, so the object's own alarm (set at a
 * deadline on that clock) cannot fire by itself before the test fires it.
 */
const FAR_AHEAD_MS = 30 * 86_400_000;

function release(gw: GatewayHarness, accountId: string, submissionId: string) {
  return gw.fetch(`/_gateway/admin/accounts/${accountId}/submissions/${submissionId}/release`, {
    method: "POST",
    headers: adminHeaders,
    body: "{}",
  });
}

async function createHeld(gw: GatewayHarness, key: string): Promise<string> {
  const res = await create(gw, key);
  expect(res.status).toBe(201);
  expect(typeof res.json.id).toBe("string");
  return res.json.id;
}

describe("submissions in flight", () => {
  it("never lets more than 5 concurrent creates reach the origin", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const tag = uniqueId("slots");

    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        create(gw, account.key, { "X-Test-Delay-Ms": "300", "X-Test-Tag": tag }),
      ),
    );

    expect(countStatuses(responses)).toEqual({ 201: 5, 429: 15 });
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(res.json.error.code).toBe("too_many_active_api_requests");
      expect(res.json.error.details).toMatchObject({ used: 5, limit: 5 });
      retryAfterOf(res);
    }
    const origin = await originStats(tag);
    expect(origin.creates).toBe(5);
    expect(origin.max_in_flight).toBeLessThanOrEqual(5);

    const ids = responses.filter((r) => r.status === 201).map((r) => r.json.id);
    const active = (await usage(gw, account.accountId)).active;
    expect(active.used).toBe(5);
    expect([...active.submissions].sort()).toEqual([...ids].sort());
  });

  it("frees the slot at once when the origin answers non-2xx", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });

    // More refused creates than there are slots: none of them keeps one.
    for (const status of [400, 402, 409, 422, 500, 504]) {
      const res = await create(gw, account.key, { "X-Test-Status": String(status) });
      expect(res.status).toBe(status);
    }
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 0,
      limit: 5,
      submissions: [],
    });
    const fresh = await Promise.all(Array.from({ length: 5 }, () => create(gw, account.key)));
    expect(countStatuses(fresh)).toEqual({ 201: 5 });
  });

  it("keeps the slot of a 2xx create without an id pending until its deadline: the submission runs", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    for (let i = 0; i < 5; i++) {
      const res = await create(gw, account.key, { "X-Test-Status": "202" });
      expect(res.status).toBe(202);
    }
    // The origin accepted them, so they run and count for the day; with no id nobody can
    // report their end, so each slot stays taken until its pending deadline.
    let after = await usage(gw, account.accountId);
    expect(after.active).toEqual({ used: 5, limit: 5, submissions: [] });
    expect(after.daily.used).toBe(5);
    const sixth = await create(gw, account.key, { "X-Test-Status": "202" });
    expect(sixth.status).toBe(429);
    expect(sixth.json.error.code).toBe("too_many_active_api_requests");

    clock.advance(LOCK_MS);
    after = await usage(gw, account.accountId);
    expect(after.active).toEqual({ used: 0, limit: 5, submissions: [] });
  });

  it("keeps the slot pending and the quota charged when the origin is unreachable: it may have run", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: { ORIGIN_URL: "http://127.0.0.1:9" } });
    const account = await createAccount(gw, { clock });

    for (let i = 0; i < 2; i++) {
      const res = await create(gw, account.key);
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("service_unavailable");
      expect(res.json.error.details.reason).toBe("origin_unreachable");
      retryAfterOf(res);
    }
    // workerd reports a refused connection like one lost after the request was sent.
    let after = await usage(gw, account.accountId);
    expect(after.active).toEqual({ used: 2, limit: 5, submissions: [] });
    expect(after.daily.used).toBe(2);
    clock.advance(LOCK_MS);
    after = await usage(gw, account.accountId);
    expect(after.active).toEqual({ used: 0, limit: 5, submissions: [] });
    expect(after.daily.used).toBe(2);
  });

  it("holds the slot of a created submission until the release endpoint frees it, once", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const first = await createHeld(gw, account.key);
    clock.advance(1);
    const second = await createHeld(gw, account.key);

    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 2,
      limit: 5,
      submissions: [first, second],
    });

    expect((await release(gw, account.accountId, first)).json).toEqual({ released: true });
    expect((await release(gw, account.accountId, first)).json).toEqual({ released: false });
    expect((await release(gw, account.accountId, "sub_unknown")).json).toEqual({
      released: false,
    });
    // The second release freed nothing else.
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 1,
      limit: 5,
      submissions: [second],
    });
  });

  it("frees the slot when a proxied GET shows the submission finished", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const id = await createHeld(gw, account.key);
    const other = await createHeld(gw, account.key);

    // The demo origin finishes runs after ~2 s of its own (real) time: poll, bounded.
    let status = "";
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = await gw.fetch(`/v1/submissions/${id}`, { headers: bearer(account.key) });
      expect(res.status).toBe(200);
      status = res.json.status;
      if (status === "succeeded") break;
      // Not finished yet: the slot is still held.
      expect((await usage(gw, account.accountId)).active.submissions).toContain(id);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(status).toBe("succeeded");
    const active = (await usage(gw, account.accountId)).active;
    expect(active.submissions).not.toContain(id);
    // `other` finished too by now, but nobody looked: only an observed end frees a slot.
    expect(active.submissions).toEqual([other]);
  }, 15_000);

  it("frees the slot on a 2xx cancel, and a refused cancel frees nothing", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const id = await createHeld(gw, account.key);
    const other = await createHeld(gw, account.key);

    const cancel = () =>
      gw.fetch(`/v1/submissions/${id}/cancel`, { method: "POST", headers: bearer(account.key) });
    const cancelled = await cancel();
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe("cancelled");
    expect((await usage(gw, account.accountId)).active.submissions).toEqual([other]);

    const again = await cancel();
    expect(again.status).toBe(409);
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 1,
      limit: 5,
      submissions: [other],
    });
  });

  it("frees a held slot when max_submission_seconds runs out", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const ids = await Promise.all(Array.from({ length: 5 }, () => createHeld(gw, account.key)));
    const blocked = await create(gw, account.key);
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe("too_many_active_api_requests");

    clock.advance(HOUR_MS - 1);
    expect((await usage(gw, account.accountId)).active.used).toBe(5);
    expect((await create(gw, account.key)).status).toBe(429);

    clock.advance(2);
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 0,
      limit: 5,
      submissions: [],
    });
    expect((await create(gw, account.key)).status).toBe(201);
    // Already freed by the deadline: a late release frees nothing.
    expect((await release(gw, account.accountId, ids[0] as string)).json).toEqual({
      released: false,
    });
    expect((await usage(gw, account.accountId)).active.used).toBe(1);
  });

  it("cleans an expired held slot from storage when the alarm runs", async () => {
    const clock = new ManualClock(Date.now() + FAR_AHEAD_MS);
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    await createHeld(gw, account.key);
    clock.advance(HOUR_MS + 1);

    // Nothing has read the slots since the deadline passed: the row is still there.
    expect(await slotCount(account.accountId)).toBe(1);
    expect(await runDurableObjectAlarm(accountObject(account.accountId))).toBe(true);
    expect(await slotCount(account.accountId)).toBe(0);
  });

  it("frees a slot whose request died mid-way after the origin timeout plus margin", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const stub = accountObject(account.accountId);
    const keyDigest = digestApiKey(account.key);

    // Admitted, then nothing: no origin answer and no completion ever reported.
    const outcome = await runInDurableObject(stub, (instance) =>
      instance.admit(
        {
          keyId: account.keyId,
          keyDigest,
          requiredScope: "submissions:write",
          takesSlot: true,
          takesDailyQuota: true,
          idempotency: null,
          requestId: "died-mid-way",
          submissionId: null,
          units: 1,
          lease: null,
        },
        testTerms(),
      ),
    );
    expect(outcome.outcome).toBe("admitted");
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 1,
      limit: 5,
      submissions: [],
    });

    clock.advance(LOCK_MS - 1);
    expect((await usage(gw, account.accountId)).active.used).toBe(1);
    clock.advance(1);
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
    const full = await Promise.all(Array.from({ length: 5 }, () => create(gw, account.key)));
    expect(countStatuses(full)).toEqual({ 201: 5 });
  });

  it("also lets the alarm clean a pending slot whose request died", async () => {
    const clock = new ManualClock(Date.now() + FAR_AHEAD_MS);
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const keyDigest = digestApiKey(account.key);
    const stub = accountObject(account.accountId);
    await runInDurableObject(stub, (instance) =>
      instance.admit(
        {
          keyId: account.keyId,
          keyDigest,
          requiredScope: "submissions:write",
          takesSlot: true,
          takesDailyQuota: true,
          idempotency: null,
          requestId: "died-mid-way",
          submissionId: null,
          units: 1,
          lease: null,
        },
        testTerms(),
      ),
    );
    clock.advance(LOCK_MS);
    expect(await slotCount(account.accountId)).toBe(1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await slotCount(account.accountId)).toBe(0);
  });

  it("frees the slot when the submission's end is reported before the create's completion", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const keyDigest = digestApiKey(account.key);
    const admission = {
      keyId: account.keyId,
      keyDigest,
      requiredScope: "submissions:write" as const,
      takesSlot: true,
      takesDailyQuota: true,
      idempotency: null,
      requestId: "early-release",
      submissionId: null,
      units: 1,
      lease: null,
    };

    // A run that ends at once: the origin's release (or a client's cancel) reaches the object
    // before the completion of the create that made it, which is sent after the response.
    const released = await runInDurableObject(accountObject(account.accountId), (instance) => {
      const early = instance.admit(admission, testTerms());
      const other = instance.admit(admission, testTerms());
      if (early.outcome !== "admitted" || other.outcome !== "admitted") {
        throw new Error("not admitted");
      }
      const answer = instance.releaseSubmission("sub_early", testTerms());
      instance.complete(early.ticket, {
        kind: "answered",
        status: 201,
        submissionId: "sub_early",
        storable: null,
      });
      instance.complete(other.ticket, {
        kind: "answered",
        status: 201,
        submissionId: "sub_other",
        storable: null,
      });
      return answer;
    });

    // Nothing was held yet, so the release endpoint could only say false...
    expect(released).toBe(false);
    // ...but the slot is not held for max_submission_seconds; the other create's slot is.
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 1,
      limit: 5,
      submissions: ["sub_other"],
    });
  });

  it("answers an origin timeout with 503 origin_timeout and keeps the slot pending until its deadline", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });

    const res = await create(gw, account.key, { "X-Test-Delay-Ms": "3000" });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("service_unavailable");
    expect(res.json.error.details.reason).toBe("origin_timeout");
    retryAfterOf(res);

    // The origin may still be creating it: the slot stays pending, then frees on its own.
    expect((await usage(gw, account.accountId)).active).toEqual({
      used: 1,
      limit: 5,
      submissions: [],
    });
    clock.advance(LOCK_MS);
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
    // A read in between is not a create and takes no slot.
    expect((await read(gw, account.key)).status).toBe(200);
    expect((await usage(gw, account.accountId)).active.used).toBe(0);
  }, 10_000);
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

describe("a completion that arrives after its pending slot expired", () => {
  it("holds the created submission again instead of losing it from the count", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const keyDigest = digestApiKey(account.key);
    await runInDurableObject(accountObject(account.accountId), (instance) => {
      const admitted = instance.admit(
        {
          keyId: account.keyId,
          keyDigest,
          requiredScope: "submissions:write",
          takesSlot: true,
          takesDailyQuota: true,
          idempotency: null,
          requestId: "late-1",
          submissionId: null,
          units: 1,
          lease: null,
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
