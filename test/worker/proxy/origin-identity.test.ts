// Contract section 3 "To the origin": the gateway replaces the client's credentials with the
// identity it established (account, key id, space-separated scopes, tier, request id), removes
// Authorization and every client X-Gateway-* header, and signs the identity with
// ORIGIN_SIGNING_SECRET. The signature is recomputed here independently with crypto.subtle.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { bearer, gateway, ManualClock } from "../support/gateway";

const SECRET = "s3cret";

async function hmacHex(secret: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(message));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The documented signed string: these lines joined by "\n" (README / src/proxy/signature.ts). */
function documentedString(fields: {
  t: number;
  method: string;
  pathWithQuery: string;
  accountId: string;
  keyId: string;
  scopes: string;
  tier: string;
  requestId: string;
  idempotencyKey: string;
}): string {
  return [
    String(fields.t),
    fields.method,
    fields.pathWithQuery,
    fields.accountId,
    fields.keyId,
    fields.scopes,
    fields.tier,
    fields.requestId,
    fields.idempotencyKey,
  ].join("\n");
}

const FORGED = {
  "X-Gateway-Account-Id": "victim",
  "X-Gateway-Key-Id": "key_forged",
  "X-Gateway-Scopes": "submissions:read submissions:write admin",
  "X-Gateway-Tier": "enterprise",
  "X-Gateway-Signature": "t=1,v1=00",
  "X-Gateway-Anything": "x",
  "x-gateway-lower": "y",
};

describe("identity sent to the origin", () => {
  it("carries the established identity, the request id, and nothing the client forged", async () => {
    const gw = gateway();
    const { accountId, issued: key } = await createAccount(gw, {
      tier: "pro",
      scopes: ["submissions:read", "submissions:write"],
    });
    const res = await gw.fetch("/__test/echo/x?q=1", {
      headers: { ...bearer(key.key), ...FORGED, "X-Request-Id": "trace-123.a:b" },
    });
    expect(res.status).toBe(200);
    const seen: Record<string, string> = res.json.headers;
    expect(seen["x-gateway-account-id"]).toBe(accountId);
    expect(seen["x-gateway-key-id"]).toBe(key.id);
    expect(seen["x-gateway-scopes"]).toBe("submissions:read submissions:write");
    expect(seen["x-gateway-tier"]).toBe("pro");
    expect(seen["x-request-id"]).toBe("trace-123.a:b");
    expect(res.headers.get("X-Request-Id")).toBe("trace-123.a:b");
    expect(seen.authorization).toBeUndefined();
    expect(seen["x-gateway-signature"]).toBeUndefined(); // no secret configured, forged one gone
    expect(seen["x-gateway-anything"]).toBeUndefined();
    expect(seen["x-gateway-lower"]).toBeUndefined();
    const gatewayHeaders = Object.keys(seen)
      .filter((name) => name.startsWith("x-gateway-"))
      .sort();
    expect(gatewayHeaders).toEqual([
      "x-gateway-account-id",
      "x-gateway-key-id",
      "x-gateway-scopes",
      "x-gateway-tier",
    ]);
    expect(res.text).not.toContain(key.key);
  });

  it("sends a fresh request id when the client's is malformed, the same one it answers with", async () => {
    const gw = gateway();
    const { issued: key } = await createAccount(gw, { scopes: ["submissions:read"] });
    const res = await gw.fetch("/__test/echo/x", {
      headers: { ...bearer(key.key), "X-Request-Id": "bad id with spaces" },
    });
    const sent = res.json.headers["x-request-id"];
    expect(sent).not.toBe("bad id with spaces");
    expect(sent).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(res.headers.get("X-Request-Id")).toBe(sent);
    expect(res.json.headers["x-gateway-scopes"]).toBe("submissions:read");
  });

  it("signs the identity with ORIGIN_SIGNING_SECRET as t=<unix>,v1=<hex HMAC-SHA256> over the documented string", async () => {
    const clock = new ManualClock();
    const setup = gateway();
    const { accountId, issued: key } = await createAccount(setup, {
      scopes: ["submissions:write", "submissions:read"],
    });
    const gw = gateway({ clock, vars: { ORIGIN_SIGNING_SECRET: SECRET } });

    const res = await gw.fetch("/__test/echo/sig?b=2&a=1", {
      headers: { ...bearer(key.key), ...FORGED, "X-Request-Id": "sig-req-1" },
    });
    expect(res.status).toBe(200);
    const seen: Record<string, string> = res.json.headers;
    const signature = seen["x-gateway-signature"] ?? "";
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    expect(match, signature).not.toBeNull();
    const t = Number(match?.[1]);
    expect(t).toBe(Math.floor(clock.now() / 1000));
    const expected = await hmacHex(
      SECRET,
      documentedString({
        t,
        method: "GET",
        pathWithQuery: "/__test/echo/sig?b=2&a=1",
        accountId,
        keyId: key.id,
        scopes: "submissions:write submissions:read",
        tier: "free",
        requestId: "sig-req-1",
        idempotencyKey: "",
      }),
    );
    expect(match?.[2]).toBe(expected);
    // The signed values are the ones the origin received.
    expect(seen["x-gateway-account-id"]).toBe(accountId);
    expect(seen["x-gateway-scopes"]).toBe("submissions:write submissions:read");
    expect(res.json.path).toBe("/__test/echo/sig?b=2&a=1");
  });

  it("covers the method and the Idempotency-Key in the signature", async () => {
    const clock = new ManualClock();
    const setup = gateway();
    const { accountId, issued: key } = await createAccount(setup, { scopes: [] });
    const gw = gateway({ clock, vars: { ORIGIN_SIGNING_SECRET: SECRET } });
    const res = await gw.fetch("/__test/echo/post", {
      method: "POST",
      headers: {
        ...bearer(key.key),
        "Content-Type": "application/json",
        "Idempotency-Key": '"order-77"',
        "X-Request-Id": "sig-req-2",
      },
      body: '{"x":1}',
    });
    expect(res.status).toBe(200);
    const seen: Record<string, string> = res.json.headers;
    expect(seen["idempotency-key"]).toBe("order-77");
    const [, t, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(seen["x-gateway-signature"] ?? "") ?? [];
    const expected = await hmacHex(
      SECRET,
      documentedString({
        t: Number(t),
        method: "POST",
        pathWithQuery: "/__test/echo/post",
        accountId,
        keyId: key.id,
        scopes: "",
        tier: "free",
        requestId: "sig-req-2",
        idempotencyKey: "order-77",
      }),
    );
    expect(mac).toBe(expected);
    expect(mac).not.toBe(
      await hmacHex(
        "wrong",
        documentedString({
          t: Number(t),
          method: "POST",
          pathWithQuery: "/__test/echo/post",
          accountId,
          keyId: key.id,
          scopes: "",
          tier: "free",
          requestId: "sig-req-2",
          idempotencyKey: "order-77",
        }),
      ),
    );
  });

  it.each(["GET", "PUT"])(
    "signs the Idempotency-Key a %s forwards unprocessed, as the origin receives it",
    async (method) => {
      const setup = gateway();
      const { accountId, issued: key } = await createAccount(setup, {
        scopes: ["submissions:read"],
      });
      const gw = gateway({ vars: { ORIGIN_SIGNING_SECRET: SECRET } });
      const res = await gw.fetch("/__test/echo/unprocessed", {
        method,
        headers: { ...bearer(key.key), "Idempotency-Key": '"raw value"', "X-Request-Id": "sig-3" },
        ...(method === "PUT" ? { body: "{}" } : {}),
      });
      expect(res.status).toBe(200);
      const seen: Record<string, string> = res.json.headers;
      // Not processed on this method, so it passes exactly as sent...
      expect(seen["idempotency-key"]).toBe('"raw value"');
      const [, t, mac] =
        /^t=(\d+),v1=([0-9a-f]{64})$/.exec(seen["x-gateway-signature"] ?? "") ?? [];
      // ...and the README's check over what the origin received verifies.
      const expected = await hmacHex(
        SECRET,
        documentedString({
          t: Number(t),
          method,
          pathWithQuery: "/__test/echo/unprocessed",
          accountId,
          keyId: key.id,
          scopes: seen["x-gateway-scopes"] ?? "",
          tier: seen["x-gateway-tier"] ?? "",
          requestId: "sig-3",
          idempotencyKey: seen["idempotency-key"] ?? "",
        }),
      );
      expect(mac).toBe(expected);
    },
  );
});
