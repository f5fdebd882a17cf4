/**
 * A JSON string literal, built for the answers and log lines of every request. Almost every
 * value is already plain printable ASCII without quotes or backslashes (ids, codes, methods, a
 * URL's path, catalogue messages), which needs no escaping; anything else takes JSON.stringify.
 */
export function jsonString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return JSON.stringify(value);
  }
  return `"${value}"`;
}
