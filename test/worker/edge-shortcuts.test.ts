// What the edge answers without asking storage again: a repeated key lookup within a few
// seconds, and an account already known to be at its per-minute limit.
import { describe, expect, it } from "vitest";
import { digestApiKey, generateApiKey } from "../../src/keys/key-format";
import { accountOn, read } from "./admission/admission-support";
import { countingStorage } from "./auth/auth-support";
import { bearer, gateway, ManualClock } from "./support/gateway";

describe("key lookups", () => {
  it("reads KV once for a flood repeating one unknown key, again after a few seconds", async () => {
    const clock = new ManualClock();
    const { counters, vars } = countingStorage();
    const gw = gateway({ clock, vars });
    const unknown = generateApiKey();
    expect(digestApiKey(unknown)).toMatch(/^[0-9a-f]{64}$/);
    for (let i = 0; i < 5; i++) {
      const res = await gw.fetch("/v1/submissions", { headers: bearer(unknown) });
      expect(res.json.error.code).toBe("invalid_credentials");
    }
    expect(counters.kvGets).toBe(1);
    clock.advance(5_000);
    await gw.fetch("/v1/submissions", { headers: bearer(unknown) });
    expect(counters.kvGets).toBe(2);
    expect(counters.doCalls).toEqual([]);
  });
});

describe("an account at its per-minute limit", () => {
  it("is answered 429 at the edge until its window frees, then admitted", async () => {
    const clock = new ManualClock();
    const policy = JSON.stringify({ tiers: { free: { per_minute: 2 } } });
    const { counters, vars } = countingStorage();
    const gw = gateway({ clock, vars: { ...vars, GATEWAY_POLICY: policy } });
    const account = await accountOn(gw, clock);
    expect((await read(gw, account.key)).status).toBe(200);
    clock.advance(10_000);
    expect((await read(gw, account.key)).status).toBe(200);
    const first429 = await read(gw, account.key);
    expect(first429.status).toBe(429);
    expect(first429.headers.get("Retry-After")).toBe("50");
    const admits = () => counters.doCalls.filter((call) => call === "admit").length;
    const afterFirst = admits();

    clock.advance(49_500);
    const known = await read(gw, account.key);
    expect(known.status).toBe(429);
    expect(known.json.error.details).toEqual({ limit: 2, window_s: 60, retry_after: 1 });
    expect(known.headers.get("Retry-After")).toBe("1");
    expect(known.headers.get("RateLimit")).toBe('"minute";r=0;t=1');
    expect(admits()).toBe(afterFirst);

    // A request with an Idempotency-Key still reaches the object (its answer may be stored).
    await gw.fetch("/__test/fast", {
      method: "POST",
      headers: { ...bearer(account.key), "Idempotency-Key": "at-limit" },
      body: "x",
    });
    expect(admits()).toBe(afterFirst + 1);

    clock.advance(500);
    expect((await read(gw, account.key)).status).toBe(200);
    expect(admits()).toBe(afterFirst + 2);
  });
});
