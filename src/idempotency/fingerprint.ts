// The idempotency fingerprint (GATEWAY.md section 5 and 6a): method, path with query and body,
// never a header. A replay is only served when the fingerprint of the new request matches.

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
  contentType: string | null;
}

/** Lowercase hex SHA-256 over the length-prefixed method, path with query and body. */
export async function fingerprintRequest(input: FingerprintInput): Promise<string> {
  const parts = [
    encoder.encode(input.method.toUpperCase()),
    encoder.encode(input.pathWithQuery),
    fingerprintBody(input.body, input.contentType),
  ];
  const digest = await crypto.subtle.digest("SHA-256", lengthPrefixed(VERSION_TAG, parts));
  return toHex(new Uint8Array(digest));
}

/** application/json or any `+json` type; parameters such as charset do not matter. */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semicolon = contentType.indexOf(";");
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  const slash = mediaType.indexOf("/");
  if (slash <= 0) return false;
  const subtype = mediaType.slice(slash + 1);
  return mediaType === "application/json" || (subtype.length > 5 && subtype.endsWith("+json"));
}

/**
 * Canonical JSON when the content type says JSON and the body parses; the raw bytes otherwise.
 * Known limit: numbers go through doubles, so two literals that differ only beyond double
 * precision (e.g. integers above 2^53) fingerprint the same.
 */
function fingerprintBody(body: Uint8Array, contentType: string | null): Uint8Array {
  if (body.byteLength === 0 || !isJsonContentType(contentType)) return body;
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

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] ?? 0];
  return out;
}
