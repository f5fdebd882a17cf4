// The A/B of `--baseline`: the gateway arm (this working tree) against the baseline arm (the
// given commit) in every scenario both ran, with paired ratios, so drift of the machine over
// the run weighs on both sides of each round's ratio.
import { type ArmSummary, pairedRatio, type Summary } from "./report.ts";
import type { Scenario } from "./scenarios.ts";

export interface AbFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  server_cpu_us_per_request: number | null;
}

export interface AbRow {
  scenario: string;
  title: string;
  gateway: AbFigures;
  baseline: AbFigures;
  /** Paired req/s ratio, gateway over baseline: above 1, the gateway serves more. */
  gateway_vs_baseline: number | null;
  /**
   * Paired CPU per request ratio in the direction of the req/s ratios (and of the report's
   * other `_cpu_vs_` ratios): baseline's µs per request over the gateway's. Above 1, the
   * gateway spends less CPU per request.
   */
  cpu_gateway_vs_baseline: number | null;
}

function figures(arm: ArmSummary): AbFigures {
  return {
    rps: arm.rps,
    p50_ms: arm.p50_ms,
    p99_ms: arm.p99_ms,
    server_cpu_us_per_request: arm.server_cpu_us_per_request,
  };
}

export function abRows(summary: Summary, scenarios: readonly Scenario[]): AbRow[] {
  const rows: AbRow[] = [];
  for (const scenario of scenarios) {
    const gateway = summary[scenario.id]?.gateway;
    const baseline = summary[scenario.id]?.baseline;
    if (gateway === undefined || baseline === undefined) continue;
    rows.push({
      scenario: scenario.id,
      title: scenario.title,
      gateway: figures(gateway),
      baseline: figures(baseline),
      gateway_vs_baseline: pairedRatio(gateway.rps_by_round, baseline.rps_by_round),
      cpu_gateway_vs_baseline: pairedRatio(
        baseline.server_cpu_us_by_round,
        gateway.server_cpu_us_by_round,
      ),
    });
  }
  return rows;
}
