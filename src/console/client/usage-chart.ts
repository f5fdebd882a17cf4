// The usage chart of GATEWAY.md section 11: per bucket, the admitted requests and the rejected
// ones stacked by error code. Plain SVG drawn from the API's buckets; the same numbers are in a
// table beside it, for screen readers and for copying.
import type { Granularity, UsageBucket } from "./api-types";
import { type Child, h, svg, table } from "./dom";

export interface UsageRange {
  label: string;
  granularity: Granularity;
  /** The length of the API's default window for this granularity. */
  spanMs: number;
  bucketMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const USAGE_RANGES = {
  hour: { label: "Last hour", granularity: "minute", spanMs: HOUR, bucketMs: MINUTE },
  day: { label: "Last day", granularity: "hour", spanMs: DAY, bucketMs: HOUR },
  week: { label: "Last week", granularity: "day", spanMs: 7 * DAY, bucketMs: DAY },
} as const satisfies Record<string, UsageRange>;

export type UsageRangeName = keyof typeof USAGE_RANGES;

/** Series classes: colours live in the stylesheet (no style attributes under the CSP). */
const REJECTION_SERIES = 8;

/** The drawing's width in SVG units: narrower on a phone, so that its text stays readable. */
const WIDE = 640;
const NARROW = 360;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 8, bottom: 28, left: 44 };

interface Slot {
  start: number;
  admitted: number;
  rejected: Map<string, number>;
}

export interface UsageTotals {
  admitted: number;
  rejected: number;
  byCode: Array<[code: string, count: number]>;
}

export function usageTotals(buckets: readonly UsageBucket[]): UsageTotals {
  const byCode = new Map<string, number>();
  let admitted = 0;
  for (const bucket of buckets) {
    admitted += bucket.admitted;
    for (const [code, count] of Object.entries(bucket.rejected)) {
      byCode.set(code, (byCode.get(code) ?? 0) + count);
    }
  }
  const codes = [...byCode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { admitted, rejected: codes.reduce((sum, [, n]) => sum + n, 0), byCode: codes };
}

/** Every bucket of the window, the empty ones the API leaves out included. */
function slots(buckets: readonly UsageBucket[], range: UsageRange, now: number): Slot[] {
  const size = range.bucketMs;
  const starts = buckets.map((bucket) => Date.parse(bucket.start));
  // The window by this clock, widened to whatever the gateway's clock put in it.
  const first = Math.min(Math.floor((now - range.spanMs) / size) * size, ...starts);
  const last = Math.max(Math.floor(now / size) * size, ...starts);
  const count = Math.min(Math.floor((last - first) / size) + 1, 1000);
  const all: Slot[] = [];
  for (let i = 0; i < count; i++) {
    all.push({ start: first + i * size, admitted: 0, rejected: new Map() });
  }
  buckets.forEach((bucket, index) => {
    const slot = all[Math.floor(((starts[index] ?? first) - first) / size)];
    if (slot === undefined) return;
    slot.admitted += bucket.admitted;
    for (const [code, n] of Object.entries(bucket.rejected)) {
      slot.rejected.set(code, (slot.rejected.get(code) ?? 0) + n);
    }
  });
  return all;
}

function label(start: number, granularity: Granularity): string {
  const iso = new Date(start).toISOString();
  return granularity === "day" ? iso.slice(5, 10) : iso.slice(11, 16);
}

function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

function seriesClass(code: string | null, codes: readonly string[]): string {
  if (code === null) return "series-admitted";
  return `series-rejected-${codes.indexOf(code) % REJECTION_SERIES}`;
}

function describe(range: UsageRange, totals: UsageTotals): string {
  const parts = totals.byCode.map(([code, n]) => `${n} ${code}`);
  return `${range.label}: ${totals.admitted} admitted, ${totals.rejected} rejected${
    parts.length > 0 ? ` (${parts.join(", ")})` : ""
  }`;
}

function chart(
  all: readonly Slot[],
  range: UsageRange,
  totals: UsageTotals,
  width: number,
): SVGSVGElement {
  const codes = totals.byCode.map(([code]) => code);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const peak = Math.max(
    0,
    ...all.map((slot) => slot.admitted + [...slot.rejected.values()].reduce((a, b) => a + b, 0)),
  );
  const top = niceMax(peak);
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const step = plotWidth / Math.max(all.length, 1);
  const barWidth = Math.max(step * 0.8, 1);

  const grid: Child[] = [0, top / 2, top].map((value) =>
    svg(
      "g",
      { class: "tick" },
      svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value) }),
      svg("text", { x: MARGIN.left - 6, y: y(value) + 4, "text-anchor": "end" }, value),
    ),
  );
  const labelAt = [0, Math.floor((all.length - 1) / 2), all.length - 1];
  const xLabels: Child[] = [...new Set(labelAt)].map((index, position, shown) => {
    const slot = all[index];
    if (slot === undefined) return null;
    // The first and last labels are anchored inside the drawing, so neither is cut off.
    const anchor = position === 0 ? "start" : position === shown.length - 1 ? "end" : "middle";
    const x =
      MARGIN.left + index * step + (anchor === "start" ? 0 : anchor === "end" ? step : step / 2);
    return svg(
      "text",
      { class: "axis-label", x, y: HEIGHT - 8, "text-anchor": anchor },
      label(slot.start, range.granularity),
    );
  });

  const bars: Child[] = all.map((slot, index) => {
    const x = MARGIN.left + index * step + (step - barWidth) / 2;
    const stack: Array<[string | null, number]> = [
      [null, slot.admitted],
      ...codes.map((code): [string, number] => [code, slot.rejected.get(code) ?? 0]),
    ];
    let base = 0;
    const parts: Child[] = [];
    for (const [code, value] of stack) {
      if (value === 0) continue;
      parts.push(
        svg("rect", {
          class: seriesClass(code, codes),
          x,
          width: barWidth,
          y: y(base + value),
          height: y(base) - y(base + value),
        }),
      );
      base += value;
    }
    if (parts.length === 0) return null;
    const rejected = stack
      .filter(([code, value]) => code !== null && value > 0)
      .map(([code, value]) => `, ${code} ${value}`)
      .join("");
    return svg(
      "g",
      { class: "bar" },
      svg(
        "title",
        {},
        `${new Date(slot.start).toISOString()}: admitted ${slot.admitted}${rejected}`,
      ),
      ...parts,
    );
  });

  return svg(
    "svg",
    {
      class: "usage-chart",
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: "img",
      "aria-label": describe(range, totals),
      "data-admitted": totals.admitted,
      "data-rejected": totals.rejected,
    },
    svg("g", { class: "grid" }, ...grid),
    svg("g", { class: "bars" }, ...bars),
    svg("g", { class: "axis" }, ...xLabels),
  );
}

function legend(totals: UsageTotals): HTMLUListElement {
  const codes = totals.byCode.map(([code]) => code);
  const item = (className: string, text: string, count: number) =>
    h(
      "li",
      {},
      svg(
        "svg",
        { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" },
        svg("rect", { class: className, width: 10, height: 10 }),
      ),
      ` ${text}: `,
      h("strong", {}, count),
    );
  return h(
    "ul",
    { class: "legend" },
    item("series-admitted", "admitted", totals.admitted),
    ...totals.byCode.map(([code, count]) => item(seriesClass(code, codes), code, count)),
  );
}

function dataTable(buckets: readonly UsageBucket[], range: UsageRange): HTMLElement {
  const rows = buckets.map((bucket) => [
    h("time", { datetime: bucket.start }, new Date(bucket.start).toISOString().slice(0, 16)),
    bucket.admitted,
    Object.entries(bucket.rejected)
      .map(([code, n]) => `${code} ${n}`)
      .join(", ") || "—",
    Object.entries(bucket.origin)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(", ") || "—",
  ]);
  return h(
    "details",
    { class: "usage-data" },
    h("summary", {}, "Numbers"),
    table(
      `${range.label}, by ${range.granularity} (UTC; empty buckets left out)`,
      ["Start", "Admitted", "Rejected by code", "Origin answers"],
      rows,
    ),
  );
}

function narrow(): boolean {
  return window.matchMedia("(max-width: 40rem)").matches;
}

/** The chart, its legend and its numbers, for the buckets of `range` read at `now`. */
export function usageView(
  buckets: readonly UsageBucket[],
  range: UsageRange,
  now: number,
): HTMLElement {
  const totals = usageTotals(buckets);
  return h(
    "figure",
    { class: "usage" },
    chart(slots(buckets, range, now), range, totals, narrow() ? NARROW : WIDE),
    h("figcaption", {}, legend(totals)),
    dataTable(buckets, range),
  );
}
