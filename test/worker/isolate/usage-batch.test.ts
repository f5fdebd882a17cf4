// The isolate's usage batch (contract section 11): counts per key and minute in memory, the
// newest 100 rejections, one send per account after the response, and what it does when a send
// fails or the batch grows large.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UsageBatchPayload } from "../../../src/account/contract";
import { ACCOUNTS_PER_SEND, MAX_ACCOUNTS, UsageBatch } from "../../../src/isolate/usage-batch";
import type { RecentRejection } from "../../../src/usage/usage-counts";

/** 10:00:59 UTC: one second before a minute ends. */
const T = Date.UTC(2026, 11, 1, 10, 0, 59);

function rejection(at: number, n: number, keyId = "key_a"): RecentRejection {
  return {
    at,
    requestId: `req-${n}`,
    code: "rate_limited",
    status: 429,
    keyId,
    method: "GET",
    path: "/v1/submissions",
  };
}

async function sent(batch: UsageBatch): Promise<Map<string, UsageBatchPayload>> {
  const out = new Map<string, UsageBatchPayload>();
  await batch.flush(async (accountId, payload) => {
    out.set(accountId, payload);
  });
  return out;
}

describe("the usage batch", () => {
  it("keeps each key's minutes apart, even when the clock steps back", async () => {
    const batch = new UsageBatch(null);
    batch.admitted("acct", "key_a", 2, T);
    batch.admitted("acct", "key_a", 1, T + 1_000); // the next minute
    batch.origin("acct", "key_a", "2xx", T - 500); // back in the first minute
    batch.rejected("acct", rejection(T + 1_000, 1, "key_b"), true);
    const payload = (await sent(batch)).get("acct");
    expect(payload?.deltas).toEqual([
      expect.objectContaining({ keyId: "key_a", minute: T - 59_000, admitted: 1, units: 2 }),
      expect.objectContaining({ keyId: "key_a", minute: T + 1_000, admitted: 1, units: 1 }),
      expect.objectContaining({ keyId: "key_b", rejected: { rate_limited: 1 } }),
    ]);
    expect(payload?.deltas[0]?.origin["2xx"]).toBe(1);
    expect(batch.size).toBe(0);
  });

  it("lists every rejection but counts only those it decided", async () => {
    const batch = new UsageBatch(null);
    batch.rejected("acct", rejection(T, 1), false);
    const payload = (await sent(batch)).get("acct");
    expect(payload?.rejections).toHaveLength(1);
    expect(payload?.deltas).toEqual([]);
  });

  it("sends the newest 100 rejections of a flood", async () => {
    const batch = new UsageBatch(null);
    for (let i = 0; i < 1_000; i++) batch.rejected("acct", rejection(T, i), true);
    const payload = (await sent(batch)).get("acct");
    expect(payload?.rejections.map((r) => r.requestId)).toEqual(
      Array.from({ length: 100 }, (_, i) => `req-${900 + i}`),
    );
    expect(payload?.deltas[0]?.rejected).toEqual({ rate_limited: 1_000 });
  });

  it("sends after its interval in waitUntil, once per batch, and not at all without one", async () => {
    const calls: string[] = [];
    const send = async (accountId: string) => {
      calls.push(accountId);
    };
    const batch = new UsageBatch(20);
    const ctx = createExecutionContext();
    batch.admitted("a", "key_a", 1, T);
    expect(batch.wantsSchedule).toBe(true);
    batch.schedule(ctx, send);
    batch.admitted("b", "key_a", 1, T);
    expect(batch.wantsSchedule).toBe(false);
    expect(calls).toEqual([]);
    await waitOnExecutionContext(ctx);
    expect(calls.sort()).toEqual(["a", "b"]);

    const held = new UsageBatch(null);
    held.admitted("a", "key_a", 1, T);
    expect(held.wantsSchedule).toBe(false);
  });

  it("drops a batch whose send fails (a thrown stub included) and goes on", async () => {
    const batch = new UsageBatch(null);
    batch.admitted("a", "key_a", 1, T);
    batch.admitted("b", "key_a", 1, T);
    const delivered: string[] = [];
    await batch.flush((accountId) => {
      if (accountId === "a") throw new Error("namespace unavailable");
      delivered.push(accountId);
      return Promise.resolve();
    });
    expect(delivered).toEqual(["b"]);
    expect(batch.size).toBe(0);
  });

  it("sends at most 40 accounts from one request; the rest are due at once, for the next", async () => {
    const batch = new UsageBatch(60_000);
    for (let i = 0; i < 100; i++) batch.admitted(`acct-${i}`, "key_a", 1, T);
    const calls: string[] = [];
    const send = async (accountId: string) => {
      calls.push(accountId);
    };
    // The first send waits for its interval: flushed by hand here, as its timer would.
    await batch.flush(send);
    expect(calls).toEqual(Array.from({ length: ACCOUNTS_PER_SEND }, (_, i) => `acct-${i}`));
    expect(batch.size).toBe(100 - ACCOUNTS_PER_SEND);
    // The next request's send does not wait the interval again.
    const ctx = createExecutionContext();
    const started = Date.now();
    batch.schedule(ctx, send);
    await waitOnExecutionContext(ctx);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toHaveLength(2 * ACCOUNTS_PER_SEND);
  });

  it("holds at most 10,000 accounts and drops (and logs) the counts of any more", async () => {
    const batch = new UsageBatch(null);
    for (let i = 0; i < MAX_ACCOUNTS + 5; i++) batch.admitted(`acct-${i}`, "key_a", 1, T);
    expect(batch.size).toBe(MAX_ACCOUNTS);
    const sent: string[] = [];
    await batch.flush(async (accountId) => {
      sent.push(accountId);
    }, Number.POSITIVE_INFINITY);
    expect(sent).toHaveLength(MAX_ACCOUNTS);
    expect(sent).not.toContain(`acct-${MAX_ACCOUNTS}`);
  });
});
