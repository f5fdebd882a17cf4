// The tables printed on stdout (Markdown, so they paste into the README as they are).
import type { AbRow } from "./ab.ts";
import type { CountRecord } from "./counting.ts";
import type { Check, Summary } from "./report.ts";
import type { Scenario } from "./scenarios.ts";

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits);

function statusText(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(" ");
}

export function throughputTable(summary: Summary, scenarios: readonly Scenario[]): string {
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const byArm = summary[scenario.id];
    if (byArm === undefined) continue;
    const origin = byArm.origin;
    let first = true;
    for (const arm of scenario.arms) {
      const result = byArm[arm];
      if (result === undefined) continue;
      const proxies =
        arm === "passthrough" ||
        arm === "admitted-floor" ||
        arm === "gateway" ||
        arm === "baseline" ||
        arm === "nginx";
      const addedOverOrigin =
        origin !== undefined && proxies ? result.p50_ms - origin.p50_ms : undefined;
      rows.push([
        first ? scenario.title : "",
        arm,
        fixed(result.rps, 0),
        fixed(result.p50_ms, 2),
        fixed(result.p99_ms, 2),
        fixed(addedOverOrigin, 2),
        fixed(result.server_cpu_us_per_request ?? undefined, 0),
        fixed(result.generator_cpu_share * 100, 0),
        fixed(result.origin_requests_per_response, 2),
        scenario.kind === "overload" ? String(result.origin_max_in_flight) : "",
        statusText(result.statuses),
      ]);
      first = false;
    }
  }
  return table(
    [
      "scenario",
      "arm",
      "req/s",
      "p50 ms",
      "p99 ms",
      "p50 added vs origin",
      "server CPU µs/req",
      "generator CPU %",
      "origin req/resp",
      "origin max in flight",
      "statuses (all rounds)",
    ],
    rows,
  );
}

export function countsTable(counts: readonly CountRecord[]): string {
  return table(
    [
      "scenario (counting pass)",
      "statuses",
      "DO before response",
      "DO in all",
      "KV",
      "origin req",
      "usage sends (batched)",
    ],
    counts.map((record) => [
      record.scenario,
      statusText(record.statuses),
      fixed(record.do_calls_on_path_per_request, 2),
      fixed(record.do_calls_per_request, 2),
      fixed(record.kv_calls_per_request, 2),
      fixed(record.origin_requests_per_request, 2),
      String(record.usage_sends),
    ]),
  );
}

export function ratiosTable(ratioValues: Record<string, number>): string {
  return table(
    ["ratio / difference", "value"],
    Object.entries(ratioValues).map(([name, value]) => [
      name,
      name.includes("_ms") ? `${value.toFixed(2)} ms` : value.toFixed(3),
    ]),
  );
}

/** Gateway (this tree) against baseline (--baseline) per scenario, with the paired ratios. */
export function abTable(rows: readonly AbRow[]): string {
  const ratio = (value: number | null) => (value === null ? "-" : value.toFixed(3));
  return table(
    [
      "scenario",
      "req/s gateway",
      "req/s baseline",
      "p50 ms gateway",
      "p50 ms baseline",
      "p99 ms gateway",
      "p99 ms baseline",
      "CPU µs/req gateway",
      "CPU µs/req baseline",
      "gateway_vs_baseline",
      "cpu_gateway_vs_baseline",
    ],
    rows.map((row) => [
      row.scenario,
      fixed(row.gateway.rps, 0),
      fixed(row.baseline.rps, 0),
      fixed(row.gateway.p50_ms, 2),
      fixed(row.baseline.p50_ms, 2),
      fixed(row.gateway.p99_ms, 2),
      fixed(row.baseline.p99_ms, 2),
      fixed(row.gateway.server_cpu_us_per_request ?? undefined, 0),
      fixed(row.baseline.server_cpu_us_per_request ?? undefined, 0),
      ratio(row.gateway_vs_baseline),
      ratio(row.cpu_gateway_vs_baseline),
    ]),
  );
}

/** Budgets and facts; the many "expected statuses" facts only when one fails. */
export function checksTable(list: readonly Check[]): string {
  const shown = list.filter((check) => !check.name.startsWith("expected statuses") || !check.pass);
  return table(
    ["budget or fact", "kind", "value", "target", "result"],
    shown.map((check) => [
      check.name,
      check.kind,
      check.value === null
        ? "-"
        : Number.isInteger(check.value)
          ? String(check.value)
          : check.value.toFixed(3),
      check.target,
      check.pass ? "pass" : "FAIL",
    ]),
  );
}
