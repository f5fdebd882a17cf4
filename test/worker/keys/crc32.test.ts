// The API key checksum (src/keys/crc32.ts): CRC-32 (IEEE 802.3) against its check values, and
// the ASCII fast path equal to the UTF-8 bytes for any ASCII text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, crc32OfAscii } from "../../../src/keys/crc32";

const PROPERTY_RUNS = { seed: 42, numRuns: 500 };
const encoder = new TextEncoder();

describe("crc32", () => {
  it("matches the IEEE check value for 123456789", () => {
    expect(crc32(encoder.encode("123456789"))).toBe(0xcbf43926);
  });

  it("is zero for empty input and unsigned for every input", () => {
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(encoder.encode("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
  });

  it("reads ASCII text exactly as its UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii" }), (text) => {
        expect(crc32OfAscii(text)).toBe(crc32(encoder.encode(text)));
      }),
      PROPERTY_RUNS,
    );
  });
});
