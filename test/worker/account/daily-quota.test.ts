// Daily quota (contract sections 2, 5): successful creates per account per UTC day, with a
// Retry-After to 00:00 UTC that can be trusted and a refund when the origin did not create.
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../../src/env";
import { usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { gateway, ManualClock } from "../support/gateway";
import { countStatuses, create, rateLimitState, retryAfterOf } from "../support/requests";

const DAY_MS = 86_400_000;
const THREE_A_DAY: Partial<Bindings> = {
  GATEWAY_POLICY: JSON.stringify({
    tiers: { free: { per_day: 3, per_minute: 1000, in_flight: 50 } },
  }),
};

/** 23:59:30 UTC of the current day. */
function halfAMinuteToMidnight(): number {
  return Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS - 30_000;
}

describe("daily quota", () => {
  it("refuses the 4th create of the day until 00:00 UTC, then admits again", async () => {
    const clock = new ManualClock(halfAMinuteToMidnight());
    const gw = gateway({ clock, vars: THREE_A_DAY });
    const account = await createAccount(gw, { clock });

    const firstThree = await Promise.all(Array.from({ length: 3 }, () => create(gw, account.key)));
    expect(countStatuses(firstThree)).toEqual({ 201: 3 });

    const fourth = await create(gw, account.key);
    expect(fourth.status).toBe(429);
    expect(fourth.json.error.code).toBe("capacity_exceeded");
    expect(fourth.json.error.details).toEqual({
      reason: "daily_quota",
      used: 3,
      limit: 3,
      retry_after: 30,
    });
    expect(retryAfterOf(fourth)).toBe(30);
    expect(fourth.headers.get("RateLimit-Policy")).toBe(
      '"minute";q=1000;w=60, "daily";q=3;w=86400, "active";q=50;qu="concurrent-requests"',
    );
    expect(rateLimitState(fourth).r).toBe(0);

    clock.advance(29_000);
    const early = await create(gw, account.key);
    expect(early.status).toBe(429);
    expect(early.json.error.code).toBe("capacity_exceeded");
    expect(retryAfterOf(early)).toBe(1);

    clock.advance(1_000);
    const nextDay = await create(gw, account.key);
    expect(nextDay.status).toBe(201);
    expect((await usage(gw, account.accountId)).daily).toEqual({ used: 1, limit: 3 });
  });

  it("refunds a create the origin refused", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: THREE_A_DAY });
    const account = await createAccount(gw, { clock });

    expect((await create(gw, account.key)).status).toBe(201);
    expect((await create(gw, account.key)).status).toBe(201);
    expect((await create(gw, account.key, { "X-Test-Status": "422" })).status).toBe(422);
    expect((await create(gw, account.key, { "X-Test-Status": "402" })).status).toBe(402);
    // A genuine origin validation failure (num_genes > num_generations) is refunded too.
    const invalid = await create(gw, account.key, {}, { num_generations: 2, num_genes: 3 });
    expect(invalid.status).toBe(422);
    expect((await usage(gw, account.accountId)).daily).toEqual({ used: 2, limit: 3 });

    expect((await create(gw, account.key)).status).toBe(201);
    const over = await create(gw, account.key);
    expect(over.status).toBe(429);
    expect(over.json.error.details).toMatchObject({ reason: "daily_quota", used: 3, limit: 3 });
  });

  it("admits exactly the quota under concurrency", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: THREE_A_DAY });
    const account = await createAccount(gw, { clock });

    const responses = await Promise.all(Array.from({ length: 12 }, () => create(gw, account.key)));
    expect(countStatuses(responses)).toEqual({ 201: 3, 429: 9 });
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(res.json.error.code).toBe("capacity_exceeded");
    }
    expect((await usage(gw, account.accountId)).daily).toEqual({ used: 3, limit: 3 });
  });
});
