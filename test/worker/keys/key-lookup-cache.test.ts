// The isolate's copy of key lookups (src/keys/key-directory.ts): anyone can mint well-formed
// unknown keys, so a flood of them must not push the keys of real callers out of the cache.
import { describe, expect, it } from "vitest";
import { KeyDirectory, type KeyDirectoryEntry } from "../../../src/keys/key-directory";

const KNOWN: KeyDirectoryEntry = {
  key_id: "key_0000000000000000",
  account_id: "acct",
  scopes: ["submissions:read"],
  tier: "free",
  account_status: "active",
  expires_at: null,
};

/** A KV stand-in that knows one digest and counts its reads. */
function fakeKv(knownDigest: string) {
  let reads = 0;
  const kv = {
    get: async (name: string) => {
      reads++;
      return name === `key:${knownDigest}` ? KNOWN : null;
    },
  } as unknown as KVNamespace;
  return { kv, reads: () => reads };
}

describe("key lookup cache", () => {
  it("keeps a known key cached through a flood of 20,000 distinct unknown keys", async () => {
    const known = "a".repeat(64);
    const { kv, reads } = fakeKv(known);
    const directory = new KeyDirectory(kv);
    const now = 1_000_000;
    expect(await directory.lookup(known, now)).toEqual(KNOWN);
    for (let i = 0; i < 20_000; i++) {
      expect(await directory.lookup(i.toString(16).padStart(64, "0"), now)).toBeNull();
    }
    expect(reads()).toBe(20_001);
    expect(directory.peek(known, now)).toEqual(KNOWN);
    expect(await directory.lookup(known, now)).toEqual(KNOWN);
    expect(reads()).toBe(20_001);
  });

  it("bounds the unknown side, evicting its oldest entries first", async () => {
    const { kv } = fakeKv("b".repeat(64));
    const directory = new KeyDirectory(kv);
    const now = 1_000_000;
    const digest = (i: number) => i.toString(16).padStart(64, "0");
    for (let i = 0; i < 10_001; i++) await directory.lookup(digest(i), now);
    // The oldest was evicted (nothing known about it), the newest is remembered as unknown.
    expect(directory.peek(digest(0), now)).toBeUndefined();
    expect(directory.peek(digest(10_000), now)).toBeNull();
    expect(directory.peek(digest(1), now)).toBeNull();
  });
});
