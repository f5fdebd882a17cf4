// Contract sections 5 step 4 and 6: submission parameters above the tier's caps are answered 403
// `tier_limit_exceeded` with field, limit, value and tier, at the edge; a tier change through the
// admin API takes effect on the next request.
import { describe, expect, it } from "vitest";
import { admin, createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { expectEnvelope } from "../support/envelope";
import { gateway, originStats, uniqueId } from "../support/gateway";
import { create } from "../support/requests";

async function keyOn(tier: string) {
  const gw = gateway();
  const { accountId, key } = await createAccount(gw, { tier });
  return { gw, accountId, key };
}

describe("tier caps", () => {
  it("refuses free-tier submissions above 1000 generations or 256 genes, at the edge", async () => {
    const { key } = await keyOn("free");
    const counting = countingStorage();
    const gw = gateway({ vars: counting.vars });
    const testTag = uniqueId("caps-free");
    const cases: [Record<string, number>, Record<string, unknown>][] = [
      [
        { num_generations: 1001 },
        { field: "num_generations", limit: 1000, value: 1001, tier: "free" },
      ],
      [{ num_genes: 257 }, { field: "num_genes", limit: 256, value: 257, tier: "free" }],
      [
        { num_generations: 20000, num_genes: 1 },
        { field: "num_generations", limit: 1000, value: 20000, tier: "free" },
      ],
    ];
    for (const [body, details] of cases) {
      const res = await create(gw, key, { "X-Test-Tag": testTag }, body);
      expectEnvelope(res, 403, "tier_limit_exceeded", details);
    }
    expect(counting.counters.doCalls).toEqual([]);
    expect((await originStats(testTag)).count).toBe(0);

    const atCap = await create(
      gw,
      key,
      { "X-Test-Tag": testTag },
      { num_generations: 1000, num_genes: 256 },
    );
    expect(atCap.status, atCap.text).toBe(201);
    expect((await originStats(testTag)).creates).toBe(1);
  });

  it("refuses pro-tier submissions above 20000 generations or 4096 genes and allows the caps", async () => {
    const { gw, key } = await keyOn("pro");
    const testTag = uniqueId("caps-pro");
    expectEnvelope(
      await create(gw, key, {}, { num_generations: 20001 }),
      403,
      "tier_limit_exceeded",
      { field: "num_generations", limit: 20000, value: 20001, tier: "pro" },
    );
    expectEnvelope(await create(gw, key, {}, { num_genes: 4097 }), 403, "tier_limit_exceeded", {
      field: "num_genes",
      limit: 4096,
      value: 4097,
      tier: "pro",
    });
    const atCap = await create(
      gw,
      key,
      { "X-Test-Tag": testTag },
      { num_generations: 20000, num_genes: 4096 },
    );
    // The gateway lets it through; the origin may still refuse it for credits (402).
    expect(atCap.json?.error?.code, atCap.text).not.toBe("tier_limit_exceeded");
    expect((await originStats(testTag)).count).toBe(1);
  });

  it("applies a tier change made through the admin API on the next request, both ways", async () => {
    const { gw, accountId, key } = await keyOn("free");
    const body = { num_generations: 5000 };
    expectEnvelope(await create(gw, key, {}, body), 403, "tier_limit_exceeded", {
      field: "num_generations",
      limit: 1000,
      value: 5000,
      tier: "free",
    });

    const upgraded = await admin(gw, "PATCH", `/accounts/${accountId}`, { tier: "pro" });
    expect(upgraded.status).toBe(200);
    expect(upgraded.json.tier).toBe("pro");
    const created = await create(gw, key, {}, body);
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get("RateLimit-Policy")).toContain('"minute";q=600;w=60');

    expect((await admin(gw, "PATCH", `/accounts/${accountId}`, { tier: "free" })).status).toBe(200);
    expectEnvelope(await create(gw, key, {}, body), 403, "tier_limit_exceeded", {
      field: "num_generations",
      limit: 1000,
      value: 5000,
      tier: "free",
    });
  });

  it("follows the caps of a GATEWAY_POLICY override", async () => {
    const policy = {
      tiers: {
        free: {
          per_minute: 60,
          in_flight: 5,
          per_day: 100,
          max_num_generations: 10,
          max_num_genes: 4,
          max_submission_seconds: 3600,
        },
      },
    };
    const gw = gateway({ vars: { GATEWAY_POLICY: JSON.stringify(policy) } });
    const { issued: key } = await createAccount(gw);
    expectEnvelope(
      await create(gw, key.key, {}, { num_generations: 11 }),
      403,
      "tier_limit_exceeded",
      { field: "num_generations", limit: 10, value: 11, tier: "free" },
    );
    expect((await create(gw, key.key, {}, { num_generations: 10 })).status).toBe(201);
  });
});
