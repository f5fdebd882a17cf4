// API key format (src/keys/key-format.ts, contract section 4): `<prefix>_<random><checksum>`
// generated uniformly and never repeated; any substitution, transposition, other prefix or odd
// input refused by the well-formedness check; the digest and the constant-time comparison; key
// ids. (The checksum and the alphabet on their own: crc32.test.ts, base62.test.ts.)
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE62_ALPHABET, encodeBase62Fixed } from "../../../src/keys/base62";
import { constantTimeEqual } from "../../../src/keys/constant-time";
import { crc32 } from "../../../src/keys/crc32";
import {
  DEFAULT_KEY_PREFIX,
  digestApiKey,
  formatApiKey,
  generateApiKey,
  generateKeyId,
  isValidKeyPrefix,
  isWellFormedApiKey,
  KEY_RANDOM_LENGTH,
} from "../../../src/keys/key-format";

const PROPERTY_RUNS = { seed: 42, numRuns: 500 };
const encoder = new TextEncoder();

const base62Char = fc.constantFrom(...BASE62_ALPHABET.split(""));
const randomPart = fc.string({
  unit: base62Char,
  minLength: KEY_RANDOM_LENGTH,
  maxLength: KEY_RANDOM_LENGTH,
});
const prefixArb = fc
  .tuple(
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz".split("")),
    fc.string({
      unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split("")),
      maxLength: 15,
    }),
  )
  .map(([head, tail]) => head + tail);
// Replacement characters include the alphabet, separators, whitespace and non-ASCII.
const anyChar = fc.oneof(
  base62Char,
  fc.constantFrom("_", "-", " ", "\t", "\n", "\0", "é", "\u00a0", "０", "\u{1F511}"),
);

describe("generateApiKey", () => {
  it("makes gk_ keys of 22 random and 6 checksum base62 characters by default", () => {
    const key = generateApiKey();
    expect(DEFAULT_KEY_PREFIX).toBe("gk");
    expect(key).toMatch(/^gk_[0-9A-Za-z]{28}$/);
  });

  it("makes only well-formed keys, for any valid prefix", () => {
    fc.assert(
      fc.property(prefixArb, (prefix) => {
        const key = generateApiKey(prefix);
        expect(key.startsWith(`${prefix}_`)).toBe(true);
        expect(isWellFormedApiKey(key, prefix)).toBe(true);
      }),
      PROPERTY_RUNS,
    );
  });

  it("never repeats a key", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey()));
    expect(keys.size).toBe(1000);
  });

  it("draws random characters uniformly (no modulo bias toward 0-7)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      for (const ch of generateApiKey().slice(3, 3 + KEY_RANDOM_LENGTH)) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
      }
    }
    expect(counts.size).toBe(62);
    const mean = (chars: string) =>
      chars.split("").reduce((sum, ch) => sum + (counts.get(ch) ?? 0), 0) / chars.length;
    const ratio = mean(BASE62_ALPHABET.slice(0, 8)) / mean(BASE62_ALPHABET.slice(8));
    // Plain byte % 62 gives a ratio of 1.25; uniform sampling stays within a few percent of 1.
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });

  it("refuses prefixes outside [a-z][a-z0-9]{0,15}", () => {
    for (const prefix of ["", "Gk", "1gk", "g_k", "g-k", "gké", "a".repeat(17)]) {
      expect(isValidKeyPrefix(prefix)).toBe(false);
      expect(() => generateApiKey(prefix)).toThrow(RangeError);
    }
    expect(isValidKeyPrefix("a".repeat(16))).toBe(true);
    expect(isValidKeyPrefix("sk2")).toBe(true);
  });

  it("formats the checksum as CRC-32 of prefix_random in 6 base62 digits", () => {
    const random = "0123456789ABCDEFGHIJKL";
    const body = `gk_${random}`;
    expect(formatApiKey("gk", random)).toBe(
      body + encodeBase62Fixed(crc32(encoder.encode(body)), 6),
    );
    expect(() => formatApiKey("gk", "short")).toThrow(RangeError);
    expect(() => formatApiKey("gk", `${random.slice(1)}_`)).toThrow(RangeError);
  });
});

describe("isWellFormedApiKey", () => {
  it("rejects any single-character substitution", () => {
    fc.assert(
      fc.property(prefixArb, randomPart, fc.nat(), anyChar, (prefix, random, at, replacement) => {
        const key = formatApiKey(prefix, random);
        const index = at % key.length;
        fc.pre(key[index] !== replacement);
        const mutated = key.slice(0, index) + replacement + key.slice(index + 1);
        expect(isWellFormedApiKey(mutated, prefix)).toBe(false);
      }),
      PROPERTY_RUNS,
    );
  });

  it("rejects any transposition of two adjacent different characters", () => {
    fc.assert(
      fc.property(prefixArb, randomPart, fc.nat(), (prefix, random, at) => {
        const key = formatApiKey(prefix, random);
        const index = at % (key.length - 1);
        const a = key[index] ?? "";
        const b = key[index + 1] ?? "";
        fc.pre(a !== b);
        const swapped = key.slice(0, index) + b + a + key.slice(index + 2);
        expect(isWellFormedApiKey(swapped, prefix)).toBe(false);
      }),
      PROPERTY_RUNS,
    );
  });

  it("rejects a valid key checked against another prefix", () => {
    const key = generateApiKey("gk");
    expect(isWellFormedApiKey(key, "gk")).toBe(true);
    expect(isWellFormedApiKey(key, "sk")).toBe(false);
    expect(isWellFormedApiKey(key, "g")).toBe(false);
    expect(isWellFormedApiKey(key, "")).toBe(false);
  });

  it("rejects odd input: empty, padded, truncated, extended, very long, non-ASCII", () => {
    const key = generateApiKey();
    const odd = [
      "",
      "gk_",
      ` ${key}`,
      `${key} `,
      `${key}\n`,
      key.slice(0, -1),
      `${key}0`,
      `Bearer ${key}`,
      key.toUpperCase(),
      `${key.slice(0, 10)}\u0430${key.slice(11)}`,
      `${key.slice(0, 10)}\u{1F511}${key.slice(12)}`,
      "x".repeat(1_000_000),
      `gk_${"0".repeat(28)}`,
    ];
    for (const candidate of odd) expect(isWellFormedApiKey(candidate, "gk")).toBe(false);
  });
});

describe("digests and comparison", () => {
  it("digests a key as lowercase hex SHA-256", () => {
    expect(digestApiKey("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const digest = digestApiKey(generateApiKey());
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("compares equal-length strings in constant time and rejects any difference", () => {
    const a = digestApiKey("one");
    const b = digestApiKey("two");
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    expect(constantTimeEqual(a, b)).toBe(false);
    const lastFlipped = a.slice(0, -1) + (a.endsWith("0") ? "1" : "0");
    expect(constantTimeEqual(a, lastFlipped)).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("returns false on length mismatch, including equal length in UTF-16 but not UTF-8", () => {
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
    expect(constantTimeEqual("é", "e")).toBe(false);
  });
});

describe("generateKeyId", () => {
  it("makes key_ plus 16 base62 characters, never repeating", () => {
    const ids = Array.from({ length: 500 }, () => generateKeyId());
    for (const id of ids) expect(id).toMatch(/^key_[0-9A-Za-z]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
