// The request log (src/observability/request-log.ts, contract section 7): one JSON line per
// request with exactly the contract's fields, no key and no query string, and the internal
// reason for operators while the wire gets only the envelope.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAccount } from "../support/accounts";
import { bearer, gateway } from "../support/gateway";

function logLines(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls
    .map((call) => String(call[0]))
    .filter((line) => line.startsWith('{"request_id"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("request log", () => {
  it("writes one JSON line per request with the contract's fields", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const spy = vi.spyOn(console, "log");
    await gw.fetch("/__test/fast?token=secret-in-query", {
      headers: { ...bearer(account.key), "X-Request-Id": "log-admitted" },
    });
    await gw.fetch("/v1/submissions", { headers: { "X-Request-Id": "log-rejected" } });
    const lines = logLines(spy);
    expect(lines).toHaveLength(2);
    const [admitted, rejected] = lines;
    expect(admitted).toEqual({
      request_id: "log-admitted",
      method: "GET",
      path: "/__test/fast",
      status: 200,
      code: null,
      account_id: account.accountId,
      key_id: account.keyId,
      decision: "admitted",
      total_ms: expect.any(Number),
      origin_ms: expect.any(Number),
    });
    expect(rejected).toMatchObject({
      request_id: "log-rejected",
      status: 401,
      code: "missing_credentials",
      decision: "rejected",
      account_id: null,
      origin_ms: null,
    });
    const everything = spy.mock.calls.flat().join("\n");
    expect(everything).not.toContain(account.key);
    expect(everything).not.toContain("secret-in-query");
  });

  it("logs the internal reason for operators while the wire gets only the envelope", async () => {
    const gw = gateway({ vars: { ORIGIN_URL: "http://127.0.0.1:9" } });
    const account = await createAccount(gw);
    const spy = vi.spyOn(console, "log");
    const res = await gw.fetch("/__test/fast", { headers: bearer(account.key) });
    expect(res.status).toBe(503);
    const [line] = logLines(spy);
    expect(line?.reason).toEqual(expect.any(String));
    expect(res.text).not.toContain(String(line?.reason));
  });
});
