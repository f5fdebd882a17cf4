// The idempotency fingerprint (GATEWAY.md section 5 and 6a): method, path with query and body,
// never a header. A replay is only served when the fingerprint of the new request matches.

import { toHex } from "../encoding/hex";
import { canonicalJson } from "./canonical-json";

// Bumping the version changes every fingerprint, so a change of encoding can never make an old
// stored result match a different new request.
const VERSION_TAG = new TextEncoder().encode("gateway-idempotency-v1");

const encoder = new TextEncoder();
// fatal + ignoreBOM: invalid UTF-8 or a BOM must not be smoothed into a body that parses the
// same as another; such bodies are fingerprinted by their raw bytes instead.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export interface FingerprintInput {
  method: string;
  pathWithQuery: string;
  body: Uint8Array;
}

/** Lowercase hex SHA-256 over the length-prefixed method, path with query and body. */
export async function fingerprintRequest(input: FingerprintInput): Promise<string> {
  const parts = [
    encoder.encode(input.method.toUpperCase()),
    encoder.encode(input.pathWithQuery),
    fingerprintBody(input.body),
  ];
  const digest = await crypto.subtle.digest("SHA-256", lengthPrefixed(VERSION_TAG, parts));
  return toHex(new Uint8Array(digest));
}

/**
 * Canonical JSON when the body is JSON, whatever its Content-Type says (the fingerprint covers
 * no header); the raw bytes otherwise. Canonical output always parses, so a raw body can never
 * take the place of a JSON one. Known limit: numbers go through doubles, so two literals that
 * differ only beyond double precision (e.g. integers above 2^53) fingerprint the same.
 */
function fingerprintBody(body: Uint8Array): Uint8Array {
  if (body.byteLength === 0) return body;
  try {
    return encoder.encode(canonicalJson(JSON.parse(strictDecoder.decode(body))));
  } catch {
    // Not UTF-8, not JSON, a non-finite number, or nesting too deep to walk: the raw bytes
    // still identify the request exactly, they just are not normalised.
    return body;
  }
}

/** Tag, then each part as a 4-byte big-endian length and its bytes, so no two triples collide. */
function lengthPrefixed(tag: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  let total = tag.byteLength;
  for (const part of parts) total += 4 + part.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(tag, 0);
  let offset = tag.byteLength;
  for (const part of parts) {
    view.setUint32(offset, part.byteLength);
    out.set(part, offset + 4);
    offset += 4 + part.byteLength;
  }
  return out;
}
