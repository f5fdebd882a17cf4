// The KV key directory as the tests reach it: a key's digest computed independently of
// src/keys, its edge copy, and an old copy put back as a KV location that has not seen a change
// yet would still serve it.
import { env } from "cloudflare:workers";
import { expect } from "vitest";

/** Lowercase hex SHA-256 of the key, computed here independently of src/keys. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The raw KV edge copy of a key (as a string), to simulate a stale copy elsewhere. */
export async function edgeCopyOf(key: string): Promise<string | null> {
  return env.KEYS.get(`key:${await sha256Hex(key)}`);
}

/** Puts an old edge copy back, as a KV location that has not seen the change yet would hold. */
export async function restoreStaleEdgeCopy(key: string, copy: string | null): Promise<void> {
  expect(copy).not.toBeNull();
  await env.KEYS.put(`key:${await sha256Hex(key)}`, copy as string);
}
