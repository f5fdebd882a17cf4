// Idempotency-Key syntax: 1-255 printable ASCII characters on POST, PATCH and DELETE; anything
// else is a 400 invalid_parameter decided at the edge. On GET the header is not looked at.
import { describe, expect, it } from "vitest";
import { usage } from "../support/account-object";
import { createAccount, gateway, originStats, uniqueId } from "../support/gateway";
import {
  CREATE_BODY,
  expectExecuted,
  expectReplayOf,
  freshKey,
  idempotencyRows,
  send,
} from "./support";

const INVALID_KEYS: [string, string][] = [
  ["empty", ""],
  ["empty quoted", '""'],
  ["256 characters", "k".repeat(256)],
  ["a control character", "abc\u0001def"],
  ["DEL", "abc\u007fdef"],
  ["a non-ASCII character", "cl\u00e9"],
  ["an unterminated quote", '"abc'],
  ["two keys (duplicate headers joined)", "abc, abc"],
];

describe("Idempotency-Key syntax", () => {
  it.each(INVALID_KEYS)(
    "rejects a key with %s as 400 invalid_parameter without reaching the origin",
    async (_what, key) => {
      const gw = gateway();
      const account = await createAccount(gw);
      const tag = uniqueId("idem-invalid");
      const res = await send(gw, account, "/v1/submissions", {
        key,
        body: CREATE_BODY,
        headers: { "X-Test-Tag": tag },
      });
      expect(res.status, res.text).toBe(400);
      expect(res.json.error.code).toBe("invalid_parameter");
      expect(res.json.error.details.field).toBe("Idempotency-Key");
      expect((await originStats(tag)).count).toBe(0);
      // Decided at the edge: nothing was consumed or recorded.
      expect((await usage(gw, account.accountId)).minute.used).toBe(0);
      expect(await idempotencyRows(account.accountId)).toEqual([]);
    },
  );

  it("accepts a key of 255 printable ASCII characters and replays on it", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
      String.fromCharCode(0x21 + i),
    )
      .join("")
      .replace(/[",\\]/g, "");
    const key = `${printable}${"k".repeat(255 - printable.length)}`;
    expect(key).toHaveLength(255);

    const original = await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY });
    expectExecuted(original);
    expectReplayOf(
      await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }),
      original,
    );
    expect(await idempotencyRows(account.accountId)).toEqual([
      { key, state: "completed", status: 201 },
    ]);
  });

  it("accepts a key with inner spaces", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = `order 42 ${freshKey()}`;
    const original = await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY });
    expectExecuted(original);
    expectReplayOf(
      await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }),
      original,
    );
  });

  it("ignores the header on GET: each request executes, even with a malformed key", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-get");
    const key = freshKey();
    for (const value of [key, key, ""]) {
      const res = await send(gw, account, "/__test/fast", {
        method: "GET",
        key: value,
        headers: { "X-Test-Tag": tag },
      });
      expectExecuted(res, 200);
    }
    expect((await originStats(tag)).count).toBe(3);
    expect(await idempotencyRows(account.accountId)).toEqual([]);
  });

  it("passes the header on GET to the origin as sent, since it is not processed", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const res = await send(gw, account, "/__test/echo/get", { method: "GET", key: '"as-sent"' });
    expectExecuted(res, 200);
    expect(res.json.headers["idempotency-key"]).toBe('"as-sent"');
  });

  it("applies to DELETE and PATCH as well as POST", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    for (const method of ["DELETE", "PATCH"]) {
      const tag = uniqueId(`idem-${method.toLowerCase()}`);
      const key = freshKey();
      const original = await send(gw, account, "/__test/fast", {
        method,
        key,
        headers: { "X-Test-Tag": tag },
      });
      expectExecuted(original, 200);
      expectReplayOf(
        await send(gw, account, "/__test/fast", { method, key, headers: { "X-Test-Tag": tag } }),
        original,
      );
      expect((await originStats(tag)).count).toBe(1);
    }
  });
});
