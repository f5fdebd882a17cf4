import { describe, expect, it } from "vitest";
import { bearer, createAccount, gateway } from "./support/gateway";

describe("smoke", () => {
  it("proxies an authenticated request", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const res = await gw.fetch("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(account.key), "Content-Type": "application/json" },
      body: JSON.stringify({ num_generations: 10 }),
    });
    console.log(res.status, [...res.headers], res.text);
    expect(res.status).toBe(201);
    const health = await gw.fetch("/_gateway/health");
    expect(health.json).toEqual({ status: "ok" });
  });
});
