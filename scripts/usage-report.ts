// `npm run keys -- usage ACCOUNT` in the terminal: the usage buckets (GATEWAY.md section 11) as
// a table, and a chart of admitted against rejected requests per bucket.

export interface UsageBucket {
  start: string;
  admitted: number;
  units: number;
  rejected: Record<string, number>;
  origin: Record<string, number>;
}

const BARS = " ▁▂▃▄▅▆▇█";
/** A terminal line's worth: a longer range is charted by its newest buckets. */
const MAX_CHART_BUCKETS = 120;
const STEP_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type Granularity = keyof typeof STEP_MS;

function rejectedTotal(bucket: UsageBucket): number {
  return Object.values(bucket.rejected).reduce((sum, n) => sum + n, 0);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** One bar per bucket from `from` to `to` (empty buckets are zeros), scaled to the largest. */
function chartRow(values: number[], max: number): string {
  return values
    .map((v) => (v === 0 ? "·" : (BARS[Math.max(1, Math.round((v / max) * 8))] ?? "█")))
    .join("");
}

export function renderUsage(
  data: readonly UsageBucket[],
  granularity: Granularity,
  range: { from: number; to: number },
): string {
  const lines: string[] = [];
  if (data.length === 0) {
    lines.push("No usage in this range.");
  } else {
    const header = ["start", "admitted", "units", "2xx", "3xx", "4xx", "5xx", "rejected"];
    const rows = data.map((b) => [
      b.start.replace(".000Z", "Z"),
      String(b.admitted),
      String(b.units),
      String(b.origin["2xx"] ?? 0),
      String(b.origin["3xx"] ?? 0),
      String(b.origin["4xx"] ?? 0),
      String(b.origin["5xx"] ?? 0),
      Object.entries(b.rejected)
        .map(([code, n]) => `${code}=${n}`)
        .join(" "),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    const format = (row: string[]) =>
      row
        .map((cell, i) => pad(cell, widths[i] ?? 0, i > 0 && i < 7))
        .join("  ")
        .trimEnd();
    lines.push(format(header), ...rows.map(format));
  }
  // The chart: every bucket of the range (the newest MAX_CHART_BUCKETS), empty ones as dots.
  const step = STEP_MS[granularity];
  const newest = range.to - 1 - ((range.to - 1) % step);
  const first = Math.max(range.from - (range.from % step), newest - (MAX_CHART_BUCKETS - 1) * step);
  const byStart = new Map(data.map((b) => [Date.parse(b.start), b]));
  const admitted: number[] = [];
  const rejected: number[] = [];
  for (let t = first; t < range.to; t += step) {
    const bucket = byStart.get(t);
    admitted.push(bucket?.admitted ?? 0);
    rejected.push(bucket === undefined ? 0 : rejectedTotal(bucket));
  }
  const max = Math.max(1, ...admitted, ...rejected);
  lines.push(
    "",
    `per ${granularity}, ${new Date(first).toISOString()} → ${new Date(range.to).toISOString()} (max ${max})`,
    `admitted ${chartRow(admitted, max)}`,
    `rejected ${chartRow(rejected, max)}`,
  );
  return lines.join("\n");
}

/** The range the gateway answered for: the query's from/to, or its defaults (section 11). */
export function usageRange(
  path: string,
  now: number,
): { granularity: Granularity; from: number; to: number } {
  const params = new URL(path, "http://gateway").searchParams;
  const raw = params.get("granularity");
  const granularity: Granularity = raw === "hour" || raw === "day" ? raw : "minute";
  const span = { minute: 3_600_000, hour: 86_400_000, day: 7 * 86_400_000 }[granularity];
  const to = params.has("to") ? Date.parse(params.get("to") as string) : now;
  const from = params.has("from") ? Date.parse(params.get("from") as string) : to - span;
  return { granularity, from, to };
}
