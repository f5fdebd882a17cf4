// How values read on the page.

/** "2026-12-02T10:00:00.000Z" -> "2026-12-02 10:00:00 UTC". */
export function time(timestamp: string | null | undefined): string {
  if (timestamp === null || timestamp === undefined) return "—";
  return timestamp.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
}

/** A number input's value as a limit: empty is null (the tier's). */
export function limitInput(label: string, value: string): number | null {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const limit = Number(trimmed);
  // JSON would send NaN as null, which clears the limit: refuse it here instead.
  if (!Number.isFinite(limit)) throw new Error(`${label}: "${trimmed}" is not a number.`);
  return limit;
}

/** A limit that may be unset: `unset` says whose limit applies instead. */
export function limitText(value: number | null | undefined, unset: string): string {
  return value === null || value === undefined ? unset : String(value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
