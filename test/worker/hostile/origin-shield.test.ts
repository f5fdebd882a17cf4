// The shielded origin (contract sections 5 and 8): under a slow origin and a flood of concurrent
// creates from several accounts, the origin never has more creates in flight than each account's
// in-flight limit, so never more than the sum of them; what is refused at the edge is a 429
// that consumes nothing, and every admitted create reaches the origin exactly once.
import { describe, expect, it } from "vitest";
import { usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { gateway, originStats, uniqueId } from "../support/gateway";
import { create } from "../support/requests";

const TIERS = { free: 5, pro: 20 } as const;

describe("origin shield under a slow origin", () => {
  it("keeps each account's creates in flight at the origin within its limit, and the total within their sum", async () => {
    const gw = gateway();
    const plan = [
      { tier: "free", sent: 12 },
      { tier: "free", sent: 12 },
      { tier: "free", sent: 12 },
      { tier: "pro", sent: 32 },
    ] as const;
    const accounts = await Promise.all(
      plan.map(async ({ tier, sent }) => ({
        tier,
        sent,
        account: await createAccount(gw, { tier }),
        tag: uniqueId(`shield-${tier}`),
      })),
    );

    // Every create of every account at once, each held 600 ms by the origin.
    const results = await Promise.all(
      accounts.map(({ account, sent, tag }) =>
        Promise.all(
          Array.from({ length: sent }, () =>
            create(gw, account.key, { "X-Test-Delay-Ms": "600", "X-Test-Tag": tag }),
          ),
        ),
      ),
    );

    let sumOfMaxima = 0;
    let sumOfLimits = 0;
    for (const [i, { tier, sent, account, tag }] of accounts.entries()) {
      const responses = results[i] ?? [];
      const limit = TIERS[tier];
      const created = responses.filter((r) => r.status === 201);
      const refused = responses.filter((r) => r.status !== 201);
      expect(created).toHaveLength(limit);
      expect(refused).toHaveLength(sent - limit);
      for (const res of refused) {
        const error = expectEnvelope(res, 429, "too_many_active_api_requests");
        expect(error.details).toMatchObject({ used: limit, limit });
      }
      const stats = await originStats(tag);
      expect(stats.creates).toBe(limit);
      expect(stats.max_in_flight).toBeLessThanOrEqual(limit);
      expect(stats.in_flight).toBe(0);
      sumOfMaxima += stats.max_in_flight;
      sumOfLimits += limit;
      // Refusals consumed nothing: only the admitted creates count, and their slots are held.
      const now = await usage(gw, account.accountId);
      expect(now.minute.used).toBe(limit);
      expect(now.daily.used).toBe(limit);
      expect(now.active.submissions.sort()).toEqual(created.map((r) => r.json.id).sort());
    }
    // max(total in flight) <= sum of each tag's maximum <= sum of the limits.
    expect(sumOfMaxima).toBeLessThanOrEqual(sumOfLimits);

    // The slots stay held until the submissions finish: a second wave reaches nothing.
    const [first] = accounts;
    if (first === undefined) throw new Error("no accounts");
    const second = await Promise.all(
      Array.from({ length: 4 }, () => create(gw, first.account.key, { "X-Test-Tag": first.tag })),
    );
    for (const res of second) expectEnvelope(res, 429, "too_many_active_api_requests");
    expect((await originStats(first.tag)).creates).toBe(TIERS.free);
  });
});
