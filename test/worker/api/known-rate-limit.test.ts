// An account already known to be at its per-minute limit (src/isolate/rate-limited-memo.ts):
// once its object refused it, the edge answers 429 by itself, with the exact Retry-After and
// RateLimit, until the window frees; only a request with an Idempotency-Key still reaches the
// object, since its answer may be stored.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { bearer, gateway, ManualClock } from "../support/gateway";
import { read } from "../support/requests";

describe("an account at its per-minute limit", () => {
  it("is answered 429 at the edge until its window frees, then admitted", async () => {
    const clock = new ManualClock();
    const policy = JSON.stringify({ tiers: { free: { per_minute: 2 } } });
    const { counters, vars } = countingStorage();
    const gw = gateway({ clock, vars: { ...vars, GATEWAY_POLICY: policy } });
    const account = await createAccount(gw, { clock });
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
