// The per-minute window is exact (contract section 5): for any arrivals, the object admits a
// request if and only if fewer than `limit` admissions lie in the 60 s before it, so no rolling
// 60 s ever holds more than the limit and a window with room never refuses. The object is driven
// directly (instance.admit with a hand-moved clock) so many arrivals stay fast.
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AdmissionRequest } from "../../../src/account/contract";
import type { TierPolicy } from "../../../src/config/policy";
import { digestApiKey } from "../../../src/keys/key-format";
import { accountObject, testTerms } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { gateway, ManualClock } from "../support/gateway";

const WINDOW_MS = 60_000;

interface Decision {
  at: number;
  admitted: boolean;
  retryAfter: number | null;
}

/** Runs every arrival through the account object's admit, in order, at its own time. */
async function drive(limit: number, arrivals: number[]): Promise<Decision[]> {
  const gw = gateway();
  const account = await createAccount(gw);
  const base = testTerms();
  const free = base.tiers.free as TierPolicy;
  const terms = { ...base, tiers: { ...base.tiers, free: { ...free, per_minute: limit } } };
  const request: AdmissionRequest = {
    keyId: account.keyId,
    keyDigest: digestApiKey(account.key),
    requiredScope: "submissions:read",
    takesSlot: false,
    takesDailyQuota: false,
    idempotency: null,
    requestId: "property",
    submissionId: null,
    units: 1,
    lease: null,
  };
  return runInDurableObject(accountObject(account.accountId), (instance) => {
    const clock = new ManualClock(arrivals[0]);
    instance.clock = clock;
    return arrivals.map((at) => {
      clock.set(at);
      const result = instance.admit(request, terms);
      if (result.outcome === "refused") {
        if (result.refusal.reason !== "rate_limited") throw new Error(result.refusal.reason);
        const retryAfter = Math.max(1, Math.ceil(result.refusal.retryInMs / 1000));
        return { at, admitted: false, retryAfter };
      }
      expect(result.outcome).toBe("admitted");
      return { at, admitted: true, retryAfter: null };
    });
  });
}

/** Admissions counted by a request at `at`: those in (at - 60 s, at]. */
function countedAt(admittedTimes: number[], at: number): number {
  return admittedTimes.filter((t) => t > at - WINDOW_MS && t <= at).length;
}

const gap = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 250 }), weight: 12 },
  { arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 3 },
  { arbitrary: fc.constantFrom(59_999, 60_000, 60_001), weight: 1 },
  { arbitrary: fc.integer({ min: 30_000, max: 90_000 }), weight: 1 },
);

describe("rolling 60 s window", () => {
  it("admits exactly when the window has room, for any arrivals", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 3, 10, 60),
        fc.array(gap, { minLength: 1, maxLength: 300, size: "max" }),
        async (limit, gaps) => {
          let at = Date.now();
          const arrivals = gaps.map((g) => {
            at += g;
            return at;
          });
          const decisions = await drive(limit, arrivals);

          const admitted: number[] = [];
          for (const decision of decisions) {
            // The model: admitted iff fewer than `limit` admissions in the preceding 60 s.
            const expected = countedAt(admitted, decision.at) < limit;
            expect(decision.admitted).toBe(expected);
            if (decision.admitted) {
              admitted.push(decision.at);
              continue;
            }
            // Its Retry-After is exact: one more fits after it, not a second before.
            const wait = decision.retryAfter ?? 0;
            expect(wait).toBeGreaterThanOrEqual(1);
            expect(countedAt(admitted, decision.at + wait * 1000)).toBeLessThan(limit);
            if (wait > 1) {
              expect(countedAt(admitted, decision.at + (wait - 1) * 1000)).toBeGreaterThanOrEqual(
                limit,
              );
            }
          }
          // The upper bound, stated on its own: no 60 s span holds more than the limit.
          for (const t of admitted) expect(countedAt(admitted, t)).toBeLessThanOrEqual(limit);
        },
      ),
      { seed: 1, numRuns: 30 },
    );
  }, 60_000);

  it("frees a place the very millisecond the oldest admission is 60 s old", async () => {
    const t = Date.now();
    const arrivals = [...Array.from({ length: 60 }, () => t), t + 59_999, t + 60_000, t + 60_000];
    const decisions = await drive(60, arrivals);
    expect(decisions.slice(0, 60).every((d) => d.admitted)).toBe(true);
    expect(decisions[60]).toEqual({ at: t + 59_999, admitted: false, retryAfter: 1 });
    // All 60 left at once: the window has room for 60 again, not just one.
    expect(decisions[61]?.admitted).toBe(true);
    expect(decisions[62]?.admitted).toBe(true);
  });
});
