// X-Request-Id (src/http/request-id.ts, contract section 3): a well-formed incoming id is kept
// and forwarded to the origin, anything else replaced by a fresh one; every response carries
// one, equal to error.request_id in an envelope, distinct per request.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { bearer, gateway } from "../support/gateway";

describe("X-Request-Id", () => {
  it("keeps a well-formed incoming id and forwards it to the origin", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    const id = `Abc.09_:-${"x".repeat(119)}`;
    expect(id).toHaveLength(128);
    const res = await gw.fetch("/__test/echo/id", {
      headers: { ...bearer(key), "X-Request-Id": id },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toBe(id);
    expect(res.json.headers["x-request-id"]).toBe(id);
  });

  it.each([
    ["too long", "x".repeat(129)],
    ["a space", "a b"],
    ["a slash", "a/b"],
    ["non-ASCII", "caf\u00e9"],
    ["empty", ""],
  ])("replaces an incoming id with %s", async (_label, incoming) => {
    const gw = gateway();
    // Every one of these values can be sent; none may be kept.
    const headers = new Headers({ "X-Request-Id": incoming });
    const res = await gw.fetch("/v1/submissions", { headers });
    const id = res.headers.get("X-Request-Id");
    expect(id).not.toBe(incoming);
    expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(res.json.error.request_id).toBe(id);
  });

  it("is on every response: proxied, gateway error, unknown gateway path, health, admin", async () => {
    const gw = gateway();
    const { key } = await createAccount(gw);
    const answers = await Promise.all([
      gw.fetch("/__test/fast", { headers: bearer(key) }),
      gw.fetch("/v1/submissions"),
      gw.fetch("/_gateway/nope"),
      gw.fetch("/_gateway/health"),
      gw.fetch("/_gateway/admin/accounts/none"),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 200, 401]);
    for (const answer of answers) {
      const id = answer.headers.get("X-Request-Id");
      expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      if (answer.status >= 400) expect(answer.json.error.request_id).toBe(id);
    }
  });

  it("makes a distinct id per request", async () => {
    const gw = gateway();
    const [a, b] = await Promise.all([gw.fetch("/v1/x"), gw.fetch("/v1/x")]);
    expect(a?.headers.get("X-Request-Id")).not.toBe(b?.headers.get("X-Request-Id"));
  });
});
