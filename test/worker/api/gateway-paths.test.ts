// Gateway-owned paths (src/api/steps/gateway-paths.ts, contract section 6a): any spelling of a
// /_gateway path other than the literal one the gateway's routes answer (case, doubled or
// encoded slashes, percent-encoding) is a 404 in the envelope and is never proxied, whatever key
// it carries.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { adminHeaders, bearer, gateway, originStats, uniqueId } from "../support/gateway";

describe("gateway-owned paths", () => {
  it("answers 404 for any other /_gateway spelling and never proxies it, even with a valid key", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const testTag = uniqueId("gateway-paths");
    const paths = [
      "/_gateway",
      "/_gateway/x",
      "/_gateway/health/",
      "/_gateway//health",
      "//_gateway/x",
      "//_gateway/health",
      "/_GATEWAY/health",
      "/_Gateway/admin/accounts",
      "/%5Fgateway/health",
      "/%5fgateway/health",
      "/%5Fgateway/admin/keys?account_id=x",
      `/%5Fgateway/admin/accounts/${account.accountId}`,
      `//_gateway/admin/accounts/${account.accountId}`,
      "/%5F%67ateway/health",
    ];
    for (const path of paths) {
      for (const headers of [
        { "X-Test-Tag": testTag },
        { "X-Test-Tag": testTag, ...bearer(account.key) },
        { "X-Test-Tag": testTag, ...adminHeaders },
      ]) {
        const res = await gw.fetch(path, { headers });
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expectEnvelope(res, 404, "not_found", {});
      }
    }
    expect((await originStats(testTag)).count).toBe(0);
    expect((await gw.fetch("/_gateway/health")).json).toEqual({ status: "ok" });
  });
});
