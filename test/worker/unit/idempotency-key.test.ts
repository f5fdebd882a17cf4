import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIdempotencyKey } from "../../../src/idempotency/idempotency-key";

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
