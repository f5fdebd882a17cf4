import { describe, expect, it } from "vitest";
import { parseCli, toRequest, UsageError } from "../../scripts/keys-commands.ts";

/** What `npm run keys -- <argv>` sends to the admin API. */
function requestOf(argv: string[]) {
  const { values, positionals } = parseCli(argv);
  return toRequest(positionals, values);
}

describe("npm run keys", () => {
  it("creates a key with its own per-minute limit", () => {
    expect(requestOf(["create", "acme", "--scopes", "a,b", "--per-minute", "30"])).toEqual([
      "POST",
      "/keys",
      { account_id: "acme", scopes: ["a", "b"], limits: { per_minute: 30 } },
    ]);
  });

  it("sets and clears a key's limit", () => {
    expect(requestOf(["key-limit", "key_1", "10"])).toEqual([
      "PATCH",
      "/keys/key_1",
      { limits: { per_minute: 10 } },
    ]);
    expect(requestOf(["key-limit", "key_1", "null"])).toEqual([
      "PATCH",
      "/keys/key_1",
      { limits: { per_minute: null } },
    ]);
  });

  it("sets an account's own limits, only the ones given, null returning one to the tier's", () => {
    expect(
      requestOf(["account-limits", "acme", "--per-minute", "120", "--per-day", "null"]),
    ).toEqual(["PATCH", "/accounts/acme", { limits: { per_minute: 120, per_day: null } }]);
    expect(requestOf(["account-limits", "a/b", "--in-flight", "3"])).toEqual([
      "PATCH",
      "/accounts/a%2Fb",
      { limits: { in_flight: 3 } },
    ]);
  });

  it("changes an account's tier, whatever tiers the policy defines", () => {
    expect(requestOf(["tier", "acme", "enterprise"])).toEqual([
      "PATCH",
      "/accounts/acme",
      { tier: "enterprise" },
    ]);
  });

  it("refuses a limit that is not a positive integer or null, and limits with none given", () => {
    for (const bad of ["0", "-1", "1.5", "ten", ""]) {
      expect(() => requestOf(["key-limit", "key_1", bad])).toThrow(UsageError);
      expect(() => requestOf(["create", "acme", "--per-minute", bad])).toThrow(UsageError);
      expect(() => requestOf(["account-limits", "acme", "--per-day", bad])).toThrow(UsageError);
    }
    expect(() => requestOf(["account-limits", "acme"])).toThrow(/at least one/);
  });
});
