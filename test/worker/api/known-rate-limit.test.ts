// An account already known to be at its per-minute limit (src/isolate/rate-limited-memo.ts):
// once its object refused it, the edge answers 429 by itself, with the object's Retry-After
// and RateLimit, for at most a second (contract section 10: what an isolate remembers of an
// account lasts at most 1 s, so a raised limit binds within it); then it asks again. Only a
// request with an Idempotency-Key still reaches the object meanwhile, since its answer may be
// stored.
import { describe, expect, it } from "vitest";
import { KNOWN_FULL_MS } from "../../../src/isolate/rate-limited-memo";
import { createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { bearer, gateway, ManualClock } from "../support/gateway";
import { direct } from "../support/requests";

describe("an account at its per-minute limit", () => {
  it("is answered 429 at the edge for at most a second at a time, until its window frees", async () => {
    expect(KNOWN_FULL_MS).toBe(1_000);
    const clock = new ManualClock();
    const policy = JSON.stringify({ tiers: { free: { per_minute: 2 } } });
    const { counters, vars } = countingStorage();
    const gw = gateway({ clock, vars: { ...vars, GATEWAY_POLICY: policy } });
    const account = await createAccount(gw, { clock });
    expect((await direct(gw, account.key)).status).toBe(200);
    clock.advance(10_000);
    expect((await direct(gw, account.key)).status).toBe(200);
    const refusedAt = clock.now();
    const first429 = await direct(gw, account.key);
    expect(first429.status).toBe(429);
    expect(first429.headers.get("Retry-After")).toBe("50");
    const admits = () => counters.doCalls.filter((call) => call === "admit").length;
    const afterFirst = admits();

    // Within the second: answered here, with the object's own Retry-After.
    clock.advance(KNOWN_FULL_MS - 1);
    const known = await direct(gw, account.key);
    expect(known.status).toBe(429);
    expect(known.json.error.details).toEqual({
      limit: 2,
      window_s: 60,
      retry_after: 50,
      limit_scope: "account",
    });
    expect(known.headers.get("Retry-After")).toBe("50");
    expect(known.headers.get("RateLimit")).toBe('"minute";r=0;t=50');
    expect(admits()).toBe(afterFirst);

    // A request with an Idempotency-Key still reaches the object (its answer may be stored).
    await gw.fetch("/__test/fast", {
      method: "POST",
      headers: { ...bearer(account.key), "Idempotency-Key": "at-limit" },
      body: "x",
    });
    expect(admits()).toBe(afterFirst + 1);

    // A second after the object last said so (that keyed request heard it too), it is asked
    // again, and says the same.
    clock.advance(KNOWN_FULL_MS);
    expect((await direct(gw, account.key)).status).toBe(429);
    expect(admits()).toBe(afterFirst + 2);

    // The window frees 60 s after the first admission.
    clock.set(refusedAt + 50_000);
    expect((await direct(gw, account.key)).status).toBe(200);
    expect(admits()).toBe(afterFirst + 3);
  });
});
