// Per-minute rate (contract sections 3, 5, 6a): exact under concurrency, rolling, per account,
// kept across an eviction, with a Retry-After that can be trusted. (The RateLimit headers that
// announce it: api/rate-limit-headers.test.ts.)
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountObject, usage, useClock } from "../support/account-object";
import { addKey, createAccount } from "../support/accounts";
import { gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import {
  countStatuses,
  direct,
  FREE_POLICY,
  rateLimitState,
  read,
  retryAfterOf,
} from "../support/requests";

describe("per-minute rate", () => {
  it("admits exactly 60 of 70 concurrent reads and tells the other 10 when to come back", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const tag = uniqueId("rate70");

    const responses = await Promise.all(
      Array.from({ length: 70 }, () => read(gw, account.key, { "X-Test-Tag": tag })),
    );

    expect(countStatuses(responses)).toEqual({ 200: 60, 429: 10 });
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(res.json.error.code).toBe("rate_limited");
      expect(res.json.error.details).toMatchObject({ limit: 60, window_s: 60 });
      // All 60 were admitted at the same instant: the window frees a full minute later.
      expect(retryAfterOf(res)).toBe(60);
      expect(rateLimitState(res)).toEqual({ r: 0, t: 60 });
      expect(res.headers.get("RateLimit-Policy")).toBe(FREE_POLICY);
    }
    const origin = await originStats(tag);
    expect(origin.count).toBe(60);
    // The rejected ten consumed nothing.
    expect((await usage(gw, account.accountId)).minute).toEqual({ used: 60, limit: 60 });
  });

  it("admits after exactly Retry-After seconds and not one second sooner", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const start = clock.now();

    expect((await read(gw, account.key)).status).toBe(200);
    clock.advance(12_300);
    const rest = await Promise.all(Array.from({ length: 59 }, () => read(gw, account.key)));
    expect(countStatuses(rest)).toEqual({ 200: 59 });

    const limited = await read(gw, account.key);
    expect(limited.status).toBe(429);
    const retryAfter = retryAfterOf(limited);
    // The oldest admission (at start) leaves the window at start + 60 s: 47.7 s away, rounded up.
    expect(retryAfter).toBe(48);
    const rejectedAt = clock.now();

    clock.set(rejectedAt + (retryAfter - 1) * 1000);
    const early = await read(gw, account.key);
    expect(early.status).toBe(429);
    expect(retryAfterOf(early)).toBe(1);

    clock.set(rejectedAt + retryAfter * 1000);
    expect(clock.now()).toBeGreaterThanOrEqual(start + 60_000);
    const onTime = await read(gw, account.key);
    expect(onTime.status).toBe(200);
    expect(rateLimitState(onTime)).toEqual({ r: 0, t: 12 });

    // The window is full again; the next one waits for the 59 admitted at start + 12.3 s.
    const next = await read(gw, account.key);
    expect(next.status).toBe(429);
    expect(retryAfterOf(next)).toBe(Math.ceil((start + 12_300 + 60_000 - clock.now()) / 1000));
  });

  it("is a rolling window: requests spread over time leave it one by one", async () => {
    // Requests that take one admission call each, so the window decides each one exactly.
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    // Just before a wall-clock minute boundary, so a fixed window would reset within a second.
    const t0 = Math.floor(clock.now() / 60_000) * 60_000 + 59_500;
    clock.set(t0);

    const burst = (n: number) =>
      Promise.all(Array.from({ length: n }, () => direct(gw, account.key)));
    expect(countStatuses(await burst(20))).toEqual({ 200: 20 });
    clock.set(t0 + 20_000);
    expect(countStatuses(await burst(20))).toEqual({ 200: 20 });
    clock.set(t0 + 40_000);
    expect(countStatuses(await burst(20))).toEqual({ 200: 20 });

    // Across the wall-clock minute boundary nothing has left yet.
    clock.set(t0 + 1_000);
    const crossed = await direct(gw, account.key);
    expect(crossed.status).toBe(429);
    expect(retryAfterOf(crossed)).toBe(59);
    clock.set(t0 + 59_999);
    const stillFull = await direct(gw, account.key);
    expect(stillFull.status).toBe(429);
    expect(retryAfterOf(stillFull)).toBe(1);

    // At t0 + 60 s the first 20 have left: exactly 20 fit, then the next 20 leave at t0 + 80 s.
    clock.set(t0 + 60_000);
    const second = await burst(25);
    expect(countStatuses(second)).toEqual({ 200: 20, 429: 5 });
    for (const res of second.filter((r) => r.status === 429)) expect(retryAfterOf(res)).toBe(20);

    clock.set(t0 + 80_000);
    expect(countStatuses(await burst(21))).toEqual({ 200: 20, 429: 1 });
    expect((await usage(gw, account.accountId)).minute).toEqual({ used: 60, limit: 60 });
  });

  it("counts all keys of one account together, and accounts apart", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const first = await createAccount(gw, { clock });
    const { key: secondKey } = await addKey(gw, first.accountId);
    const other = await createAccount(gw, { clock });

    const mixed = await Promise.all(
      Array.from({ length: 80 }, (_, i) => read(gw, i % 2 === 0 ? first.key : secondKey)),
    );
    expect(countStatuses(mixed)).toEqual({ 200: 60, 429: 20 });
    expect((await read(gw, first.key)).status).toBe(429);
    expect((await read(gw, secondKey)).status).toBe(429);

    // Another account has its own 60, even while the first is limited.
    const others = await Promise.all(Array.from({ length: 61 }, () => read(gw, other.key)));
    expect(countStatuses(others)).toEqual({ 200: 60, 429: 1 });
  });

  it("forgets nothing when the object is evicted: a full window stays full", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw, { clock });
    const filled = await Promise.all(Array.from({ length: 60 }, () => read(gw, account.key)));
    expect(countStatuses(filled)).toEqual({ 200: 60 });
    clock.advance(30_000);

    await evictDurableObject(accountObject(account.accountId));
    await useClock(account.accountId, clock);

    const after = await read(gw, account.key);
    expect(after.status).toBe(429);
    expect(retryAfterOf(after)).toBe(30);
    expect((await usage(gw, account.accountId)).minute).toEqual({ used: 60, limit: 60 });
    clock.advance(30_000);
    expect((await read(gw, account.key)).status).toBe(200);
  });
});
