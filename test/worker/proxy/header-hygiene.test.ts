// Header hygiene on the way to the origin (src/proxy/origin-request.ts, contract section 3):
// Authorization, client X-Gateway-* and hop-by-hop headers (those Connection names included) are
// removed, the gateway's identity headers set, everything else passed; no signature without a
// signing secret.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { bearer, gateway } from "../support/gateway";

describe("headers to the origin", () => {
  it("removes Authorization, client X-Gateway-* and hop-by-hop headers, including those Connection names", async () => {
    const gw = gateway();
    const account = await createAccount(gw, { scopes: ["submissions:read"] });
    const res = await gw.fetch("/__test/echo/hygiene?q=1", {
      method: "POST",
      headers: {
        ...bearer(account.key),
        "X-Gateway-Account-Id": "someone-else",
        "X-Gateway-Scopes": "submissions:write",
        "X-Gateway-Anything": "forged",
        Connection: "keep-alive, X-Private-Hop",
        "X-Private-Hop": "must not pass",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic c2VjcmV0",
        TE: "trailers",
        Trailer: "X-Checksum",
        Upgrade: "websocket",
        "X-Custom": "kept",
        "Content-Type": "text/plain",
      },
      body: "hello",
    });
    expect(res.status).toBe(200);
    const seen: Record<string, string> = res.json.headers;
    for (const name of [
      "authorization",
      "x-gateway-anything",
      "x-private-hop",
      "keep-alive",
      "proxy-authorization",
      "te",
      "trailer",
      "upgrade",
    ]) {
      expect(seen, name).not.toHaveProperty(name);
    }
    expect(seen["x-gateway-account-id"]).toBe(account.accountId);
    expect(seen["x-gateway-key-id"]).toBe(account.keyId);
    expect(seen["x-gateway-scopes"]).toBe("submissions:read");
    expect(seen["x-gateway-tier"]).toBe("free");
    expect(seen["x-custom"]).toBe("kept");
    expect(res.json.path).toBe("/__test/echo/hygiene?q=1");
    expect(res.json.body).toBe("hello");
    expect(Object.values(seen).join("\n")).not.toContain(account.key);
  });

  it("sends no X-Gateway-Signature when no signing secret is set", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    const res = await gw.fetch("/__test/echo/unsigned", { headers: bearer(key) });
    expect(res.json.headers).not.toHaveProperty("x-gateway-signature");
  });
});
