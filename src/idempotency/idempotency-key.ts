// Parsing of the Idempotency-Key header (GATEWAY.md sections 5 and 6a): 1-255 printable ASCII
// characters, sent bare (`abc`) or as an RFC 8941 sf-string (`"abc"`); both name the same key.

export type IdempotencyKeyHeader =
  | { readonly kind: "absent" }
  | { readonly kind: "valid"; readonly key: string }
  | { readonly kind: "invalid" };

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
// Longest possible legal header: every character escaped, plus the two quotes. Anything longer
// is rejected before it is scanned.
const MAX_RAW_LENGTH = IDEMPOTENCY_KEY_MAX_LENGTH * 2 + 2;

const ABSENT: IdempotencyKeyHeader = Object.freeze({ kind: "absent" });
const INVALID: IdempotencyKeyHeader = Object.freeze({ kind: "invalid" });

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const TILDE = 0x7e;

/**
 * Classifies the raw header value (as Headers.get returns it, null when missing). Leading and
 * trailing spaces and tabs are dropped as HTTP does, so a bare key never has them at its ends.
 *
 * A comma outside quotes makes the value invalid: it is what a client's duplicate
 * Idempotency-Key headers look like once joined with ", ", and guessing which one was meant
 * (even when they are identical) would hide a client bug behind a replay.
 */
export function parseIdempotencyKey(raw: string | null): IdempotencyKeyHeader {
  if (raw === null) return ABSENT;
  let start = 0;
  let end = raw.length;
  while (start < end && isOptionalWhitespace(raw.charCodeAt(start))) start++;
  while (end > start && isOptionalWhitespace(raw.charCodeAt(end - 1))) end--;
  if (end - start > MAX_RAW_LENGTH) return INVALID;

  const key = raw.charCodeAt(start) === QUOTE ? unquote(raw, start, end) : bare(raw, start, end);
  if (key === null || key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) return INVALID;
  return { kind: "valid", key };
}

function isOptionalWhitespace(code: number): boolean {
  return code === SPACE || code === TAB;
}

function isPrintableAscii(code: number): boolean {
  return code >= SPACE && code <= TILDE;
}

/** A bare key: printable ASCII with no comma (see the duplicate-header rule above). */
function bare(raw: string, start: number, end: number): string | null {
  for (let i = start; i < end; i++) {
    const code = raw.charCodeAt(i);
    if (!isPrintableAscii(code) || code === COMMA) return null;
  }
  return raw.slice(start, end);
}

/**
 * An RFC 8941 sf-string: only `\"` and `\\` are escapes, and nothing may follow the closing
 * quote (no parameters, no second member), so `"a", "a"` is invalid too.
 */
function unquote(raw: string, start: number, end: number): string | null {
  let out = "";
  let i = start + 1;
  while (i < end) {
    const code = raw.charCodeAt(i);
    if (code === BACKSLASH) {
      const next = i + 1 < end ? raw.charCodeAt(i + 1) : -1;
      if (next !== QUOTE && next !== BACKSLASH) return null;
      out += String.fromCharCode(next);
      i += 2;
    } else if (code === QUOTE) {
      return i === end - 1 ? out : null;
    } else if (!isPrintableAscii(code)) {
      return null;
    } else {
      out += raw[i];
      i++;
    }
  }
  return null; // no closing quote
}
