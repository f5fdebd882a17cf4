// Origin answers and failures (src/proxy/origin-response.ts, contract section 3): error
// envelopes passed through unchanged, non-JSON 5xx pages replaced by the gateway's envelope,
// redirects passed back unfollowed, 503 origin_timeout and origin_unreachable with Retry-After,
// and large bodies streamed both ways.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { bearer, gateway, originStats, uniqueId } from "../support/gateway";

describe("origin answers and failures", () => {
  it("passes origin error envelopes (402, 404, 409, 422) through unchanged", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    for (const status of [402, 404, 409, 422]) {
      const res = await gw.fetch("/__test/fast", {
        headers: { ...bearer(key), "X-Test-Status": String(status), "X-Request-Id": `r-${status}` },
      });
      expect(res.status).toBe(status);
      expect(res.json.error.request_id).toBe(`r-${status}`);
      expect(res.headers.get("X-Request-Id")).toBe(`r-${status}`);
    }
  });

  it("passes an origin 5xx JSON envelope through byte for byte", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    const res = await gw.fetch("/__test/fast", {
      headers: { ...bearer(key), "X-Test-Status": "500", "X-Request-Id": "origin-500" },
    });
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe("internal_error");
    expect(res.json.error.message).toContain("Demo origin");
    expect(res.headers.get("X-Request-Id")).toBe("origin-500");
  });

  it.each([
    ["502", "html", 503, "service_unavailable"],
    ["503", "html", 503, "service_unavailable"],
    ["504", "empty", 503, "service_unavailable"],
    ["500", "html", 500, "internal_error"],
    ["501", "empty", 500, "internal_error"],
  ])(
    "replaces a non-JSON origin %s (%s body) with the gateway's %s",
    async (status, body, expected, code) => {
      const gw = gateway();
      const { key } = await createAccount(gw);
      const res = await gw.fetch("/__test/fast", {
        headers: { ...bearer(key), "X-Test-Status": status, "X-Test-Body": body },
      });
      const error = expectEnvelope(res, expected, code);
      expect(res.text).not.toContain("<html>");
      if (expected === 503) {
        expect(error.details.reason).toBe("origin_unavailable");
        expect(res.headers.get("Retry-After")).toBe(String(error.details.retry_after));
      }
    },
  );

  it("passes redirects back without following them, never revealing the origin's address", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    const tag = uniqueId("redirect");
    const res = await gw.fetch("/__test/redirect", {
      headers: { ...bearer(key), "X-Test-Tag": tag },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/v1/elsewhere");
    expect((await originStats(tag)).count).toBe(1);
  });

  it("answers 503 origin_timeout with Retry-After when the origin is slower than ORIGIN_TIMEOUT_MS", async () => {
    const gw = gateway({ vars: { ORIGIN_TIMEOUT_MS: "200" } });
    const { key } = await createAccount(gw);
    const res = await gw.fetch("/__test/fast", {
      headers: { ...bearer(key), "X-Test-Delay-Ms": "1500" },
    });
    const error = expectEnvelope(res, 503, "service_unavailable");
    expect(error.details.reason).toBe("origin_timeout");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("Retry-After")).toBe(String(error.details.retry_after));
  });

  it("answers 503 origin_unreachable when the origin refuses the connection", async () => {
    const gw = gateway({ vars: { ORIGIN_URL: "http://127.0.0.1:9" } });
    const { key } = await createAccount(gw);
    const res = await gw.fetch("/v1/submissions", { headers: bearer(key) });
    const error = expectEnvelope(res, 503, "service_unavailable");
    expect(error.details.reason).toBe("origin_unreachable");
    expect(res.headers.get("Retry-After")).toBe(String(error.details.retry_after));
    expect(res.text).not.toMatch(/127\.0\.0\.1|refused|Error:/);
  });

  it("streams large bodies both ways", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    const big = await gw.fetch("/__test/big?bytes=3000000", { headers: bearer(key) });
    expect(big.status).toBe(200);
    expect(big.text.length).toBe(3_000_000);
    const upload = await gw.fetch("/__test/echo/upload", {
      method: "PUT",
      headers: { ...bearer(key), "Content-Type": "application/octet-stream" },
      body: new Uint8Array(900_000).fill(65),
    });
    expect(upload.json.body_bytes).toBe(900_000);
  });
});
