// `npm run keys -- usage ACCOUNT` and the other operator commands of GATEWAY.md section 11: the
// admin calls they make, and the table and chart the usage answer is printed as.
import { describe, expect, it } from "vitest";
import { parseCli, toRequest, UsageError } from "../../scripts/keys-commands.ts";
import { renderUsage, type UsageBucket, usageRange } from "../../scripts/usage-report.ts";

function requestOf(argv: string[]) {
  const { values, positionals } = parseCli(argv);
  return toRequest(positionals, values);
}

describe("operator commands", () => {
  it("asks for usage with only the options given", () => {
    expect(requestOf(["usage", "acme"])).toEqual(["GET", "/accounts/acme/usage"]);
    expect(
      requestOf([
        "usage",
        "a/b",
        "--granularity",
        "hour",
        "--key",
        "key_1",
        "--from",
        "2026-12-01T00:00:00Z",
      ]),
    ).toEqual([
      "GET",
      "/accounts/a%2Fb/usage?granularity=hour&key_id=key_1&from=2026-12-01T00%3A00%3A00Z",
    ]);
    expect(() => requestOf(["usage", "acme", "--granularity", "week"])).toThrow(UsageError);
    expect(() => requestOf(["usage"])).toThrow(UsageError);
  });

  it("lists accounts, rejections, the audit log and credentials; creates and revokes one", () => {
    expect(requestOf(["accounts", "--prefix", "ac"])).toEqual(["GET", "/accounts?prefix=ac"]);
    expect(requestOf(["rejections", "acme"])).toEqual(["GET", "/accounts/acme/rejections"]);
    expect(requestOf(["audit", "--actor", "bootstrap", "--account", "acme"])).toEqual([
      "GET",
      "/audit?account_id=acme&actor=bootstrap",
    ]);
    expect(requestOf(["credentials"])).toEqual(["GET", "/credentials"]);
    expect(requestOf(["credential-create", "ci", "--scopes", "admin:read,admin:write"])).toEqual([
      "POST",
      "/credentials",
      { name: "ci", scopes: ["admin:read", "admin:write"] },
    ]);
    expect(requestOf(["credential-create", "viewer"])).toEqual([
      "POST",
      "/credentials",
      { name: "viewer", scopes: ["admin:read"] },
    ]);
    expect(requestOf(["credential-revoke", "cred_1"])).toEqual(["DELETE", "/credentials/cred_1"]);
  });
});

describe("the usage report", () => {
  const to = Date.UTC(2026, 11, 1, 11, 0, 0);
  const from = to - 5 * 60_000;
  const data: UsageBucket[] = [
    {
      start: "2026-12-01T10:56:00.000Z",
      admitted: 8,
      units: 8,
      rejected: {},
      origin: { "2xx": 8, "3xx": 0, "4xx": 0, "5xx": 0 },
    },
    {
      start: "2026-12-01T10:58:00.000Z",
      admitted: 4,
      units: 12,
      rejected: { rate_limited: 2, scope_required: 1 },
      origin: { "2xx": 3, "3xx": 0, "4xx": 1, "5xx": 0 },
    },
  ];

  it("prints a table of the buckets and a chart with every bucket of the range", () => {
    expect(renderUsage(data, "minute", { from, to })).toBe(
      [
        "start                 admitted  units  2xx  3xx  4xx  5xx  rejected",
        "2026-12-01T10:56:00Z         8      8    8    0    0    0",
        "2026-12-01T10:58:00Z         4     12    3    0    1    0  rate_limited=2 scope_required=1",
        "",
        "per minute, 2026-12-01T10:55:00.000Z → 2026-12-01T11:00:00.000Z (max 8)",
        "admitted ·█·▄·",
        "rejected ···▃·",
      ].join("\n"),
    );
  });

  it("says so when there is nothing, and still draws the range", () => {
    expect(renderUsage([], "hour", { from: to - 3 * 3_600_000, to })).toBe(
      [
        "No usage in this range.",
        "",
        "per hour, 2026-12-01T08:00:00.000Z → 2026-12-01T11:00:00.000Z (max 1)",
        "admitted ···",
        "rejected ···",
      ].join("\n"),
    );
  });

  it("charts the newest 120 buckets of a longer range, and says which", () => {
    const out = renderUsage([], "minute", { from: to - 7 * 86_400_000, to });
    expect(out).toContain(`per minute, ${new Date(to - 120 * 60_000).toISOString()} →`);
    expect(out).toContain(`admitted ${"·".repeat(120)}\n`);
  });

  it("reads the range from the query, or the gateway's defaults", () => {
    expect(usageRange("/accounts/a/usage", to)).toEqual({
      granularity: "minute",
      from: to - 3_600_000,
      to,
    });
    expect(usageRange("/accounts/a/usage?granularity=day", to)).toEqual({
      granularity: "day",
      from: to - 7 * 86_400_000,
      to,
    });
  });
});
