// Base62 (src/keys/base62.ts), the only characters an API key carries after its prefix: bytes as
// one big-endian number against a BigInt reference, fixed-width values padded, refused when they
// do not fit, and decoded back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BASE62_ALPHABET,
  decodeBase62Fixed,
  encodeBase62,
  encodeBase62Fixed,
} from "../../../src/keys/base62";

const PROPERTY_RUNS = { seed: 42, numRuns: 500 };

function bigIntToBase62(value: bigint): string {
  let out = "";
  let rest = value;
  while (rest > 0n) {
    out = BASE62_ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

describe("base62", () => {
  it("encodes bytes as one big-endian number, one 0 per leading zero byte", () => {
    expect(encodeBase62(new Uint8Array())).toBe("");
    expect(encodeBase62(new Uint8Array([0]))).toBe("0");
    expect(encodeBase62(new Uint8Array([255]))).toBe("47");
    expect(encodeBase62(new Uint8Array([0, 0, 1]))).toBe("001");
  });

  it("agrees with a BigInt reference for arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const zeros = bytes.findIndex((b) => b !== 0);
        const leading = zeros < 0 ? bytes.length : zeros;
        const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
        const value = bytes.length === 0 ? 0n : BigInt(`0x${hex}`);
        expect(encodeBase62(bytes)).toBe("0".repeat(leading) + bigIntToBase62(value));
      }),
      PROPERTY_RUNS,
    );
  });

  it("left-pads fixed-width values and refuses values that do not fit", () => {
    expect(encodeBase62Fixed(0, 6)).toBe("000000");
    expect(encodeBase62Fixed(61, 2)).toBe("0z");
    expect(encodeBase62Fixed(0xffffffff, 6)).toBe("4gfFC3");
    expect(() => encodeBase62Fixed(62, 1)).toThrow(RangeError);
    expect(() => encodeBase62Fixed(-1, 6)).toThrow(RangeError);
    expect(() => encodeBase62Fixed(1.5, 6)).toThrow(RangeError);
  });

  it("decodes fixed-width values back and flags non-base62 characters", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (value) => {
        const text = encodeBase62Fixed(value, 6);
        expect(decodeBase62Fixed(text, 0, 6)).toBe(value);
      }),
      PROPERTY_RUNS,
    );
    expect(decodeBase62Fixed("ab_c", 0, 4)).toBe(-1);
    expect(decodeBase62Fixed("abé", 0, 3)).toBe(-1);
  });
});
