// Idempotency-Key syntax: 1-255 printable ASCII characters on POST, PATCH and DELETE; anything
// else is a 400 invalid_parameter decided at the edge. On GET the header is not looked at. Then
// the parser on its own (src/idempotency/idempotency-key.ts): bare and quoted (RFC 8941) keys,
// escapes, control and non-ASCII characters, duplicates joined with a comma.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIdempotencyKey } from "../../../src/idempotency/idempotency-key";
import { idempotencyRows, usage } from "../support/account-object";
import { createAccount } from "../support/accounts";
import { gateway, originStats, uniqueId } from "../support/gateway";
import { CREATE_BODY, send } from "../support/requests";
import { expectExecuted, expectReplayOf, freshKey } from "./support";

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
      const res = await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
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

    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expectExecuted(original);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
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
    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expectExecuted(original);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
      original,
    );
  });

  it("ignores the header on GET: each request executes, even with a malformed key", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-get");
    const key = freshKey();
    for (const value of [key, key, ""]) {
      const res = await send(gw, account.key, "/__test/fast", {
        method: "GET",
        idempotencyKey: value,
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
    const res = await send(gw, account.key, "/__test/echo/get", {
      method: "GET",
      idempotencyKey: '"as-sent"',
    });
    expectExecuted(res, 200);
    expect(res.json.headers["idempotency-key"]).toBe('"as-sent"');
  });

  it("applies to DELETE and PATCH as well as POST", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    for (const method of ["DELETE", "PATCH"]) {
      const tag = uniqueId(`idem-${method.toLowerCase()}`);
      const key = freshKey();
      const original = await send(gw, account.key, "/__test/fast", {
        method,
        idempotencyKey: key,
        headers: { "X-Test-Tag": tag },
      });
      expectExecuted(original, 200);
      expectReplayOf(
        await send(gw, account.key, "/__test/fast", {
          method,
          idempotencyKey: key,
          headers: { "X-Test-Tag": tag },
        }),
        original,
      );
      expect((await originStats(tag)).count).toBe(1);
    }
  });
});

const PROPERTY_RUNS = { seed: 42, numRuns: 500 };
const INVALID = { kind: "invalid" };
const valid = (key: string) => ({ kind: "valid", key });

/** RFC 8941 sf-string serialisation of a printable-ASCII key. */
const quote = (key: string) => `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const bareKey = fc
  .string({ unit: printableAscii, minLength: 1, maxLength: 255 })
  .filter((k) => !k.includes(",") && !k.startsWith('"') && k.trim() === k);

describe("parseIdempotencyKey", () => {
  it("reports a missing header as absent", () => {
    expect(parseIdempotencyKey(null)).toEqual({ kind: "absent" });
  });

  it('treats "abc" and abc as the same key', () => {
    expect(parseIdempotencyKey("abc")).toEqual(valid("abc"));
    expect(parseIdempotencyKey('"abc"')).toEqual(valid("abc"));
  });

  it("accepts any bare key of printable ASCII and the same key quoted", () => {
    fc.assert(
      fc.property(bareKey, (key) => {
        expect(parseIdempotencyKey(key)).toEqual(valid(key));
        expect(parseIdempotencyKey(quote(key))).toEqual(valid(key));
      }),
      PROPERTY_RUNS,
    );
  });

  it('unescapes \\" and \\\\ in a quoted key and rejects any other escape', () => {
    expect(parseIdempotencyKey('"a\\"b\\\\c"')).toEqual(valid('a"b\\c'));
    expect(parseIdempotencyKey('"a\\nb"')).toEqual(INVALID);
    expect(parseIdempotencyKey('"abc\\"')).toEqual(INVALID);
  });

  it("keeps spaces inside quotes and inside a bare key, trims them around the value", () => {
    expect(parseIdempotencyKey('" abc "')).toEqual(valid(" abc "));
    expect(parseIdempotencyKey("a b")).toEqual(valid("a b"));
    expect(parseIdempotencyKey(" \tabc\t ")).toEqual(valid("abc"));
    expect(parseIdempotencyKey(' "abc" ')).toEqual(valid("abc"));
  });

  it("accepts 255 characters and rejects 256, bare or quoted", () => {
    expect(parseIdempotencyKey("k".repeat(255))).toEqual(valid("k".repeat(255)));
    expect(parseIdempotencyKey(quote("k".repeat(255)))).toEqual(valid("k".repeat(255)));
    expect(parseIdempotencyKey(quote("\\".repeat(255)))).toEqual(valid("\\".repeat(255)));
    expect(parseIdempotencyKey("k".repeat(256))).toEqual(INVALID);
    expect(parseIdempotencyKey(quote("k".repeat(256)))).toEqual(INVALID);
    expect(parseIdempotencyKey(quote("\\".repeat(256)))).toEqual(INVALID);
    expect(parseIdempotencyKey("k".repeat(1_000_000))).toEqual(INVALID);
  });

  it("rejects an empty value, empty quotes and whitespace only", () => {
    for (const raw of ["", '""', "   ", "\t"]) {
      expect(parseIdempotencyKey(raw)).toEqual(INVALID);
    }
  });

  it("rejects control characters anywhere, bare or quoted", () => {
    const control = fc
      .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f))
      .map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(bareKey, fc.nat(), control, (key, at, ch) => {
        const index = 1 + (at % key.length);
        // Inside the key, never at its ends, so no trimming can remove it.
        const dirty = `x${key.slice(0, index)}${ch}${key.slice(index)}x`;
        expect(parseIdempotencyKey(dirty)).toEqual(INVALID);
        expect(parseIdempotencyKey(`"${dirty.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).toEqual(
          INVALID,
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it("rejects non-ASCII characters", () => {
    for (const raw of ["abcé", '"abcé"', "ключ", "a\u00a0b", "a\u{1F511}b", "\u00ff"]) {
      expect(parseIdempotencyKey(raw)).toEqual(INVALID);
    }
  });

  it("rejects malformed quoting: unterminated, or anything after the closing quote", () => {
    for (const raw of ['"abc', '"abc";p=1', '"abc"x', '"a"b"', '"abc" "abc"']) {
      expect(parseIdempotencyKey(raw)).toEqual(INVALID);
    }
  });

  it("rejects duplicate headers joined with a comma, even identical ones", () => {
    for (const raw of ["abc, abc", "abc, def", '"abc", "abc"', '"abc",abc', "a,b"]) {
      expect(parseIdempotencyKey(raw)).toEqual(INVALID);
    }
  });

  it("allows a comma inside quotes", () => {
    expect(parseIdempotencyKey('"a, b"')).toEqual(valid("a, b"));
  });
});
