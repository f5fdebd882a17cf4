// MAINTENANCE=true (src/api/steps/maintenance.ts, contract section 1): every API request is
// answered 503 `maintenance` with Retry-After, authenticated or not, and nothing reaches the
// origin; the gateway's own endpoints (health, the admin API) keep answering.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { gateway, originStats, uniqueId } from "../support/gateway";

describe("maintenance", () => {
  it("answers 503 to every non-gateway request, authenticated or not, but not to /_gateway", async () => {
    const gw = gateway({ vars: { MAINTENANCE: "true" } });
    const tag = uniqueId("maint");
    const proxied = await gw.fetch("/v1/submissions", { headers: { "X-Test-Tag": tag } });
    const error = expectEnvelope(proxied, 503, "service_unavailable");
    expect(error.details.reason).toBe("maintenance");
    expect(proxied.headers.get("Retry-After")).toBe(String(error.details.retry_after));
    expect((await originStats(tag)).count).toBe(0);
    expect((await gw.fetch("/_gateway/health")).status).toBe(200);
    const account = await createAccount(gw);
    expect(account.key).toMatch(/^gk_/);
  });
});
