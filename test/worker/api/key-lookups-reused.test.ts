// Key lookups reused at the edge: this isolate's copy of a lookup (src/keys/key-directory.ts)
// answers a repeated key within a few seconds without asking KV again, an unknown key included,
// and never asks the account's Durable Object about a key it does not know.
import { describe, expect, it } from "vitest";
import { digestApiKey, generateApiKey } from "../../../src/keys/key-format";
import { countingStorage } from "../support/counting-storage";
import { bearer, gateway, ManualClock } from "../support/gateway";

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
