// GET /_gateway/admin/accounts/{id} answers the account with its live usage (contract 4, 6a):
// the minute window, today's quota and the held submissions, as the admission sees them.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountObject, usage, useClock } from "../support/account-object";
import { createAccount, RFC3339_UTC } from "../support/accounts";
import { adminHeaders, gateway, ManualClock } from "../support/gateway";
import { create, read } from "../support/requests";

describe("account usage", () => {
  it("reflects the minute window, the daily quota and the active submissions", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock, tier: "pro" });

    const fresh = await gw.fetch(`/_gateway/admin/accounts/${account.accountId}`, {
      headers: adminHeaders,
    });
    expect(fresh.status).toBe(200);
    expect(fresh.json).toEqual({
      id: account.accountId,
      tier: "pro",
      status: "active",
      created_at: expect.stringMatching(RFC3339_UTC),
      limits: { per_minute: null, in_flight: null, per_day: null },
      usage: {
        minute: { used: 0, limit: 600 },
        daily: { used: 0, limit: 5000 },
        active: { used: 0, limit: 20, submissions: [] },
      },
    });

    expect((await read(gw, account.key)).status).toBe(200);
    expect((await read(gw, account.key)).status).toBe(200);
    clock.advance(30_000);
    const created = await create(gw, account.key);
    expect(created.status).toBe(201);
    expect(await usage(gw, account.accountId)).toEqual({
      minute: { used: 3, limit: 600 },
      daily: { used: 1, limit: 5000 },
      active: { used: 1, limit: 20, submissions: [created.json.id] },
    });

    // The two reads leave the window; the create stays counted for the day and held.
    clock.advance(30_000);
    expect(await usage(gw, account.accountId)).toEqual({
      minute: { used: 1, limit: 600 },
      daily: { used: 1, limit: 5000 },
      active: { used: 1, limit: 20, submissions: [created.json.id] },
    });
  });

  it("keeps held slots and the day's count across an eviction of the object", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const ids = (await Promise.all([1, 2, 3, 4, 5].map(() => create(gw, account.key)))).map(
      (res) => {
        expect(res.status).toBe(201);
        return res.json.id as string;
      },
    );

    await evictDurableObject(accountObject(account.accountId));
    await useClock(account.accountId, clock);

    const after = await usage(gw, account.accountId);
    expect(after.daily.used).toBe(5);
    expect(after.active.used).toBe(5);
    expect([...after.active.submissions].sort()).toEqual([...ids].sort());
    const blocked = await create(gw, account.key);
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe("too_many_active_api_requests");
  });
});
