// API key format (GATEWAY.md section 4): `<prefix>_<random><checksum>`, where random is 22
// base62 characters (22 * log2(62) ≈ 131 bits) and checksum is the CRC-32 of the UTF-8 of
// `<prefix>_<random>` as 6 base62 digits. The checksum lets the gateway reject typos and junk
// with no storage lookup.

import { BASE62_ALPHABET, base62Value, decodeBase62Fixed, encodeBase62Fixed } from "./base62";
import { crc32, crc32OfAscii } from "./crc32";
import { sha256Hex } from "./sha256";

export const DEFAULT_KEY_PREFIX = "gk";
export const KEY_RANDOM_LENGTH = 22;
export const KEY_CHECKSUM_LENGTH = 6;
export const KEY_PREFIX_MAX_LENGTH = 16;
const KEY_ID_RANDOM_LENGTH = 16;
const UNDERSCORE = 0x5f;

// The largest multiple of 62 that fits in a byte: bytes at or above it are redrawn, so every
// character is uniform (plain `byte % 62` would favour the first 8 characters).
const REJECTION_LIMIT = 62 * 4;

const encoder = new TextEncoder();

/** True for `[a-z][a-z0-9]{0,15}`, checked by hand so no regex runs on the request path. */
export function isValidKeyPrefix(prefix: string): boolean {
  if (prefix.length < 1 || prefix.length > KEY_PREFIX_MAX_LENGTH) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    const lower = c >= 0x61 && c <= 0x7a;
    const digit = c >= 0x30 && c <= 0x39;
    if (!(lower || (digit && i > 0))) return false;
  }
  return true;
}

/** `length` uniformly random base62 characters from the CSPRNG. */
export function randomBase62(length: number): string {
  let out = "";
  const pool = new Uint8Array(length + 8);
  while (out.length < length) {
    crypto.getRandomValues(pool);
    for (let i = 0; i < pool.length && out.length < length; i++) {
      const byte = pool[i] ?? REJECTION_LIMIT;
      if (byte < REJECTION_LIMIT) out += BASE62_ALPHABET[byte % 62];
    }
  }
  return out;
}

/**
 * Appends the checksum to a prefix and a 22-character base62 random part. Exposed so tests can
 * build keys from deterministic random parts; throws on inputs that are not a key's parts.
 */
export function formatApiKey(prefix: string, random: string): string {
  if (!isValidKeyPrefix(prefix)) throw new RangeError(`invalid API key prefix: ${prefix}`);
  if (random.length !== KEY_RANDOM_LENGTH || decodeBase62Fixed(random, 0, random.length) < 0) {
    throw new RangeError(`API key random part must be ${KEY_RANDOM_LENGTH} base62 characters`);
  }
  const body = `${prefix}_${random}`;
  return body + encodeBase62Fixed(crc32(encoder.encode(body)), KEY_CHECKSUM_LENGTH);
}

/** A new API key. The caller shows it once and stores only digestApiKey(key). */
export function generateApiKey(prefix: string = DEFAULT_KEY_PREFIX): string {
  return formatApiKey(prefix, randomBase62(KEY_RANDOM_LENGTH));
}

/**
 * Whether the candidate has the shape and checksum of a key with this prefix (one the policy
 * has validated). Pure and cheap: the fixed length is checked before any character is read,
 * then one pass over at most 45 characters, no regex and no allocation. Anything else
 * (whitespace, non-ASCII, another prefix, a typo) is false.
 */
export function isWellFormedApiKey(candidate: string, prefix: string): boolean {
  const bodyLength = prefix.length + 1 + KEY_RANDOM_LENGTH;
  if (candidate.length !== bodyLength + KEY_CHECKSUM_LENGTH) return false;
  if (!candidate.startsWith(prefix)) return false;
  if (candidate.charCodeAt(prefix.length) !== UNDERSCORE) return false;
  for (let i = prefix.length + 1; i < bodyLength; i++) {
    if (base62Value(candidate.charCodeAt(i)) < 0) return false;
  }
  const checksum = decodeBase62Fixed(candidate, bodyLength, candidate.length);
  // Everything before the checksum is ASCII by now, so its code units are its UTF-8 bytes.
  return checksum >= 0 && checksum === crc32OfAscii(candidate, bodyLength);
}

/** Lowercase hex SHA-256 of the key's UTF-8: the only form of a key that is ever stored. */
export function digestApiKey(key: string): string {
  return sha256Hex(encoder.encode(key));
}

/** A public key identifier, `key_` + 16 base62 characters; safe to log, never a secret. */
export function generateKeyId(): string {
  return `key_${randomBase62(KEY_ID_RANDOM_LENGTH)}`;
}
