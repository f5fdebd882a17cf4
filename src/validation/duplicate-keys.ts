/**
 * Finds a key that appears twice in one JSON object. JSON.parse keeps the last one, but an
 * origin whose parser keeps the first (or refuses) would see another value than the one the
 * gateway checked, so a body the gateway validates must not have any.
 *
 * Runs on text JSON.parse has already accepted, so the scanner only has to follow strings,
 * objects and arrays; everything else is skipped.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

interface ObjectFrame {
  kind: "object";
  keys: Set<string>;
  /** The key whose value is being read, for the path. */
  current: string;
  /** True between a key and its colon: the next string is a key, not a value. */
  expectingKey: boolean;
}

interface ArrayFrame {
  kind: "array";
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

/** Dotted path of the first duplicated key (`a.0.b`), or null when there is none. */
export function firstDuplicateKey(text: string): string | null {
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      if (top?.kind === "object" && top.expectingKey) {
        // Escapes decode to the key JSON.parse sees: "a" and "\u0061" are one key.
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return pathOf(stack, key);
        top.keys.add(key);
        top.current = key;
        top.expectingKey = false;
      }
      i = end;
      continue;
    }
    if (code === OPEN_OBJECT) {
      stack.push({ kind: "object", keys: new Set(), current: "", expectingKey: true });
    } else if (code === OPEN_ARRAY) {
      stack.push({ kind: "array", index: 0 });
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      stack.pop();
    } else if (code === COMMA && top !== undefined) {
      if (top.kind === "object") top.expectingKey = true;
      else top.index++;
    } else if (code === COLON && top?.kind === "object") {
      top.expectingKey = false;
    }
    i++;
  }
  return null;
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i += 2;
    else if (code === QUOTE) return i + 1;
    else i++;
  }
  return i;
}

function pathOf(stack: readonly Frame[], key: string): string {
  const parts: string[] = [];
  for (let depth = 0; depth < stack.length - 1; depth++) {
    const frame = stack[depth] as Frame;
    parts.push(frame.kind === "object" ? frame.current : String(frame.index));
  }
  parts.push(key);
  return parts.join(".");
}
