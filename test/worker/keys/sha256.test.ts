// The synchronous SHA-256 behind every key digest, against the runtime's own (crypto.subtle):
// the published vectors, every length across the one- and two-block padding boundaries, and
// random inputs of any length.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../../src/encoding/hex";
import { sha256Hex } from "../../../src/keys/sha256";

async function reference(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

const ascii = (text: string) => new TextEncoder().encode(text);

describe("sha256Hex", () => {
  it("matches the FIPS 180-4 vectors", () => {
    expect(sha256Hex(ascii(""))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(sha256Hex(ascii("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(sha256Hex(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("matches crypto.subtle at every length from 0 to 200 bytes", async () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      expect(sha256Hex(bytes), `length ${length}`).toBe(await reference(bytes));
    }
  });

  it("matches crypto.subtle on random inputs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect(sha256Hex(bytes)).toBe(await reference(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same answer when called again (its scratch state is reset)", () => {
    const first = sha256Hex(ascii("gk_one"));
    sha256Hex(ascii("x".repeat(1000)));
    expect(sha256Hex(ascii("gk_one"))).toBe(first);
  });
});
