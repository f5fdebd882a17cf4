// Deterministic JSON, so two bodies that mean the same JSON value fingerprint the same
// whatever their key order or whitespace.

/**
 * Serialises a value produced by JSON.parse with object keys sorted by UTF-16 code unit,
 * no whitespace, arrays in order, strings and numbers as JSON.stringify prints them.
 * Throws a RangeError on a non-finite number (JSON.parse yields Infinity for `1e400`, which
 * JSON.stringify would silently turn into `null`) and a TypeError on a value JSON cannot hold.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new RangeError("canonicalJson: non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object":
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value);
    default:
      throw new TypeError(`canonicalJson: ${typeof value} is not a JSON value`);
  }
}

function canonicalArray(items: readonly unknown[]): string {
  let out = "[";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ",";
    out += canonicalJson(items[i]);
  }
  return `${out}]`;
}

function canonicalObject(object: object): string {
  // Default sort compares UTF-16 code units, which is the order the contract asks for.
  const keys = Object.keys(object).sort();
  const record = object as Record<string, unknown>;
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ",";
    out += `${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `${out}}`;
}
