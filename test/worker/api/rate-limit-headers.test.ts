// The RateLimit and RateLimit-Policy headers (contract section 3, src/exit/rate-limit-headers.ts):
// each tier's policies announced exactly, r counted down with each admission and t the seconds
// until the oldest counted request leaves, and a 429's r=0 with t equal to its wait.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { bearer, gateway, ManualClock } from "../support/gateway";
import { FREE_POLICY, PRO_POLICY, rateLimitState, read, retryAfterOf } from "../support/requests";

describe("RateLimit headers", () => {
  it("announces the tier's policies exactly, for free and pro", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const free = await createAccount(gw, { clock });
    const pro = await createAccount(gw, { clock, tier: "pro" });

    const freeRes = await read(gw, free.key);
    expect(freeRes.headers.get("RateLimit-Policy")).toBe(FREE_POLICY);
    expect(freeRes.headers.get("RateLimit")).toBe('"minute";r=59;t=60');

    const proRes = await read(gw, pro.key);
    expect(proRes.headers.get("RateLimit-Policy")).toBe(PRO_POLICY);
    expect(proRes.headers.get("RateLimit")).toBe('"minute";r=599;t=60');
  });

  it("counts r down with each admission and gives t as seconds until the oldest counted leaves", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });

    // Nothing counted yet (an answer decided at the edge, before any admission): t is 0.
    const before = await gw.fetch("/v1/submissions?limit=0", { headers: bearer(account.key) });
    expect(before.status).toBe(400);
    expect(rateLimitState(before)).toEqual({ r: 60, t: 0 });

    // The first admitted response already counts itself: it is the oldest, a full minute away.
    expect(rateLimitState(await read(gw, account.key))).toEqual({ r: 59, t: 60 });
    expect(rateLimitState(await read(gw, account.key))).toEqual({ r: 58, t: 60 });
    clock.advance(10_000);
    expect(rateLimitState(await read(gw, account.key))).toEqual({ r: 57, t: 50 });
    clock.advance(400);
    expect(rateLimitState(await read(gw, account.key))).toEqual({ r: 56, t: 50 });

    // 60.5 s after the first two: they have left; the oldest counted is the one at 10 s.
    clock.advance(50_100);
    expect(rateLimitState(await read(gw, account.key))).toEqual({ r: 57, t: 10 });

    // Once everything counted has left, t is 0 again and r is the full limit.
    clock.advance(61_000);
    const idle = await gw.fetch("/v1/submissions?limit=0", { headers: bearer(account.key) });
    expect(idle.status).toBe(400);
    expect(rateLimitState(idle)).toEqual({ r: 60, t: 0 });
  });

  it("gives a 429 r=0 and t equal to the wait for the oldest counted request", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    expect((await read(gw, account.key)).status).toBe(200);
    clock.advance(5_000);
    await Promise.all(Array.from({ length: 59 }, () => read(gw, account.key)));
    clock.advance(1_500);

    const limited = await read(gw, account.key);
    expect(limited.status).toBe(429);
    expect(rateLimitState(limited)).toEqual({ r: 0, t: 54 });
    expect(retryAfterOf(limited)).toBe(54);
  });
});
