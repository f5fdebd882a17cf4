// Configuration (src/config/config.ts and policy.ts, contract sections 1 and 6): the defaults,
// the tier table, every bad variable or GATEWAY_POLICY field refused naming the field (never a
// silent default), and a partial GATEWAY_POLICY merged into the defaults.
import { describe, expect, it } from "vitest";
import { configFor, parseConfig } from "../../../src/config/config";
import { DEFAULT_POLICY, parsePolicy } from "../../../src/config/policy";

const ORIGIN = "http://127.0.0.1:8788";

describe("configuration", () => {
  it("applies the contract's defaults", () => {
    const config = parseConfig({ ORIGIN_URL: `${ORIGIN}/` });
    expect(config).toEqual({
      originUrl: ORIGIN,
      adminToken: undefined,
      originTimeoutMs: 30_000,
      signingSecret: undefined,
      maintenance: false,
      policy: DEFAULT_POLICY,
    });
  });

  it("has the tier table of section 6 as its default policy", () => {
    expect(DEFAULT_POLICY.tiers).toEqual({
      free: {
        per_minute: 60,
        in_flight: 5,
        per_day: 100,
        max_num_generations: 1000,
        max_num_genes: 256,
        max_submission_seconds: 3600,
      },
      pro: {
        per_minute: 600,
        in_flight: 20,
        per_day: 5000,
        max_num_generations: 20000,
        max_num_genes: 4096,
        max_submission_seconds: 86400,
      },
    });
  });

  it.each([
    [{}, "ORIGIN_URL: is required"],
    [{ ORIGIN_URL: "not a url" }, "ORIGIN_URL: must be an absolute http(s) URL"],
    [{ ORIGIN_URL: "ftp://x" }, "ORIGIN_URL: must be an absolute http(s) URL"],
    [{ ORIGIN_URL: ORIGIN, ORIGIN_TIMEOUT_MS: "10s" }, "ORIGIN_TIMEOUT_MS: must be an integer"],
    [{ ORIGIN_URL: ORIGIN, ORIGIN_TIMEOUT_MS: "0" }, "ORIGIN_TIMEOUT_MS: must be an integer"],
    [{ ORIGIN_URL: ORIGIN, MAINTENANCE: "yes" }, 'MAINTENANCE: must be "true" or "false"'],
    [{ ORIGIN_URL: ORIGIN, GATEWAY_POLICY: "{" }, "GATEWAY_POLICY: is not valid JSON"],
  ])("rejects %j naming the field", (vars, message) => {
    expect(() => parseConfig(vars)).toThrow(message);
  });

  it("reads MAINTENANCE and the timeout", () => {
    const config = parseConfig({
      ORIGIN_URL: ORIGIN,
      MAINTENANCE: "true",
      ORIGIN_TIMEOUT_MS: "1500",
    });
    expect(config.maintenance).toBe(true);
    expect(config.originTimeoutMs).toBe(1500);
  });

  it("parses once per environment object", () => {
    const env = { ORIGIN_URL: ORIGIN };
    expect(configFor(env)).toBe(configFor(env));
    expect(configFor({ ...env })).not.toBe(configFor(env));
  });
});

describe("GATEWAY_POLICY", () => {
  it("overrides part of a known tier and keeps the rest", () => {
    const policy = parsePolicy(JSON.stringify({ tiers: { free: { per_minute: 10 } } }));
    expect(policy.tiers.free).toEqual({ ...DEFAULT_POLICY.tiers.free, per_minute: 10 });
    expect(policy.tiers.pro).toEqual(DEFAULT_POLICY.tiers.pro);
  });

  it("adds a new tier only when every field is given", () => {
    const full = { ...DEFAULT_POLICY.tiers.pro, per_minute: 6000 };
    expect(parsePolicy(JSON.stringify({ tiers: { enterprise: full } })).tiers.enterprise).toEqual(
      full,
    );
    const { per_day: _omitted, ...partial } = full;
    expect(() => parsePolicy(JSON.stringify({ tiers: { enterprise: partial } }))).toThrow(
      "GATEWAY_POLICY.tiers.enterprise.per_day: is required",
    );
  });

  it.each([
    [
      { tiers: { free: { per_minute: 0 } } },
      "GATEWAY_POLICY.tiers.free.per_minute: must be a positive integer",
    ],
    [
      { tiers: { free: { per_minute: 1.5 } } },
      "GATEWAY_POLICY.tiers.free.per_minute: must be a positive integer",
    ],
    [
      { tiers: { free: { per_minute: "60" } } },
      "GATEWAY_POLICY.tiers.free.per_minute: must be a positive integer",
    ],
    [{ tiers: { free: { burst: 1 } } }, "GATEWAY_POLICY.tiers.free.burst: is not a known field"],
    [{ tiers: { "Bad Tier": DEFAULT_POLICY.tiers.free } }, "GATEWAY_POLICY.tiers.Bad Tier"],
    [{ tiers: [] }, "GATEWAY_POLICY.tiers: must be an object"],
    [{ rate: 1 }, "GATEWAY_POLICY.rate: is not a known field"],
    [{ key_prefix: "GK" }, "GATEWAY_POLICY.key_prefix"],
    [{ submission_body_limit_bytes: 0 }, "GATEWAY_POLICY.submission_body_limit_bytes"],
    [[], "GATEWAY_POLICY: must be a JSON object"],
  ])("rejects %j naming the field, never a silent default", (policy, message) => {
    expect(() => parsePolicy(JSON.stringify(policy))).toThrow(message);
  });
});
