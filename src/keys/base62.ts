// Base62 over the alphabet 0-9A-Za-z: the only characters an API key may carry after its prefix.

export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Digit value per ASCII code, -1 for anything else; a table keeps validation branch-free and
// allocation-free on the request path.
const DIGIT_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62_ALPHABET.length; i++) {
  DIGIT_VALUES[BASE62_ALPHABET.charCodeAt(i)] = i;
}

/** The digit value of a UTF-16 code unit, or -1 when it is not a base62 character. */
export function base62Value(code: number): number {
  return code < 128 ? (DIGIT_VALUES[code] ?? -1) : -1;
}

/**
 * Encodes the whole byte array as one big-endian unsigned number (base58-style): each leading
 * zero byte becomes one "0", so different inputs always give different outputs. Output width
 * varies with the value; use encodeBase62Fixed where a fixed width matters.
 */
export function encodeBase62(bytes: Uint8Array): string {
  let leadingZeros = 0;
  while (leadingZeros < bytes.length && bytes[leadingZeros] === 0) leadingZeros++;

  // Little-endian base62 digits of the number, grown by schoolbook multiply-and-add per byte.
  const digits: number[] = [];
  for (let i = leadingZeros; i < bytes.length; i++) {
    let carry = bytes[i] ?? 0;
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] ?? 0) * 256;
      digits[j] = carry % 62;
      carry = Math.floor(carry / 62);
    }
    while (carry > 0) {
      digits.push(carry % 62);
      carry = Math.floor(carry / 62);
    }
  }

  let out = "0".repeat(leadingZeros);
  for (let j = digits.length - 1; j >= 0; j--) out += BASE62_ALPHABET[digits[j] ?? 0];
  return out;
}

/** Encodes a non-negative safe integer in exactly `width` digits, left-padded with "0". */
export function encodeBase62Fixed(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`base62: value must be a non-negative safe integer, got ${value}`);
  }
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`base62: width must be a positive integer, got ${width}`);
  }
  let rest = value;
  let out = "";
  for (let i = 0; i < width; i++) {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  if (rest !== 0) throw new RangeError(`base62: ${value} does not fit in ${width} digits`);
  return out;
}

/**
 * Decodes text[start, end) as a base62 number without slicing, or returns -1 when a character
 * is not base62. Callers keep end - start small (at most 8 digits stays a safe integer).
 */
export function decodeBase62Fixed(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = base62Value(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 62 + digit;
  }
  return value;
}
