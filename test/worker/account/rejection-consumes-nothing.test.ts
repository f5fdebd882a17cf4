// "A request that is rejected consumes nothing" (contract section 5): each limit is checked in
// order inside one atomic admission, and a refusal at any step leaves every counter untouched.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GatewayVars } from "../../../src/config/config";
import { accountObject, usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { countStatuses, create, read } from "../support/requests";

describe("a rejected request consumes nothing", () => {
  it("a 429 rate_limited takes no minute place, no slot and no quota", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const filled = await Promise.all(Array.from({ length: 60 }, () => read(gw, account.key)));
    expect(countStatuses(filled)).toEqual({ 200: 60 });

    const refused = await Promise.all(Array.from({ length: 10 }, () => create(gw, account.key)));
    for (const res of refused) expect(res.json.error.code).toBe("rate_limited");
    expect(await usage(gw, account.accountId)).toEqual({
      minute: { used: 60, limit: 60 },
      daily: { used: 0, limit: 100 },
      active: { used: 0, limit: 5, submissions: [] },
    });
  });

  it("a 429 too_many_active_api_requests takes no minute place and no quota", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const held = await Promise.all(Array.from({ length: 5 }, () => create(gw, account.key)));
    expect(countStatuses(held)).toEqual({ 201: 5 });

    const refused = await Promise.all(Array.from({ length: 8 }, () => create(gw, account.key)));
    expect(countStatuses(refused)).toEqual({ 429: 8 });
    for (const res of refused) expect(res.json.error.code).toBe("too_many_active_api_requests");

    const after = await usage(gw, account.accountId);
    expect(after.minute.used).toBe(5);
    expect(after.daily.used).toBe(5);
    expect(after.active.used).toBe(5);
  });

  it("a 429 capacity_exceeded takes no slot and no minute place", async () => {
    const vars: GatewayVars = {
      GATEWAY_POLICY: JSON.stringify({ tiers: { free: { per_day: 3, in_flight: 50 } } }),
    };
    const clock = new ManualClock();
    const gw = gateway({ clock, vars });
    const account = await createAccount(gw, { clock });
    expect(countStatuses(await Promise.all([1, 2, 3].map(() => create(gw, account.key))))).toEqual({
      201: 3,
    });

    const refused = await Promise.all(Array.from({ length: 6 }, () => create(gw, account.key)));
    for (const res of refused) expect(res.json.error.code).toBe("capacity_exceeded");
    const after = await usage(gw, account.accountId);
    expect(after.active.used).toBe(3);
    expect(after.minute.used).toBe(3);
    expect(after.daily).toEqual({ used: 3, limit: 3 });
  });

  it("a 403 scope_required decided by the account's object consumes nothing", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    // The object (the authority) drops the write scope; the edge's KV copy still has it, as it
    // would while a change propagates, so the edge lets the request through to the object.
    await runInDurableObject(accountObject(account.accountId), async (instance) => {
      await instance.updateKey(
        account.keyId,
        { scopes: ["submissions:read"] },
        { actor: "bootstrap", requestId: "test" },
      );
    });
    const tag = uniqueId("scope");

    const refused = await create(gw, account.key, { "X-Test-Tag": tag });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("scope_required");
    expect(refused.json.error.details).toEqual({ required_scope: "submissions:write" });
    expect(await usage(gw, account.accountId)).toEqual({
      minute: { used: 0, limit: 60 },
      daily: { used: 0, limit: 100 },
      active: { used: 0, limit: 5, submissions: [] },
    });
    expect((await originStats(tag)).count).toBe(0);
  });
});
