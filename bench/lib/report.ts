// From raw runs to figures: medians over rounds, the ratios of GATEWAY.md section 8, budgets
// (timing: reported, never fatal) and facts (correctness: fatal). Printing is in tables.ts.
import type { CountRecord } from "./counting.ts";
import type { LoadResult, OriginStats } from "./load.ts";
import { type Arm, OVERLOAD_IN_FLIGHT_LIMIT, type Scenario } from "./scenarios.ts";

export interface RunRecord {
  scenario: string;
  arm: Arm;
  round: number;
  tag: string;
  connections: number;
  expected: readonly number[];
  load: LoadResult;
  origin: OriginStats;
}

export interface ArmSummary {
  rounds: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  rps_by_round: number[];
  p50_ms_by_round: number[];
  p99_ms_by_round: number[];
  responses: number;
  statuses: Record<string, number>;
  unexpected_statuses: number;
  errors: number;
  origin_requests: number;
  origin_requests_per_response: number;
  origin_max_in_flight: number;
  /** CPU time of the arm's server (workerd, nginx or the origin) per response, median. */
  server_cpu_us_per_request: number | null;
  server_cpu_us_by_round: number[];
  /** Share of one core the load generator used, median: near 1, it may be the bottleneck. */
  generator_cpu_share: number;
  generator_cpu_share_by_round: number[];
}

export type Summary = Record<string, Partial<Record<Arm, ArmSummary>>>;

export interface Check {
  name: string;
  kind: "timing" | "fact";
  value: number | null;
  target: string;
  pass: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarize(runs: readonly RunRecord[]): Summary {
  const summary: Summary = {};
  for (const run of runs) {
    summary[run.scenario] ??= {};
    const byArm = summary[run.scenario] as Partial<Record<Arm, ArmSummary>>;
    const current = byArm[run.arm] ?? {
      rounds: 0,
      rps: 0,
      p50_ms: 0,
      p99_ms: 0,
      rps_by_round: [],
      p50_ms_by_round: [],
      p99_ms_by_round: [],
      responses: 0,
      statuses: {},
      unexpected_statuses: 0,
      errors: 0,
      origin_requests: 0,
      origin_requests_per_response: 0,
      origin_max_in_flight: 0,
      server_cpu_us_per_request: null,
      server_cpu_us_by_round: [],
      generator_cpu_share: 0,
      generator_cpu_share_by_round: [],
    };
    current.rounds++;
    if (run.load.serverCpuS !== null && run.load.responses > 0) {
      current.server_cpu_us_by_round.push((run.load.serverCpuS * 1e6) / run.load.responses);
      current.server_cpu_us_per_request = median(current.server_cpu_us_by_round);
    }
    current.generator_cpu_share_by_round.push(run.load.generatorCpuS / run.load.durationS);
    current.generator_cpu_share = median(current.generator_cpu_share_by_round);
    current.rps_by_round.push(run.load.rps);
    current.p50_ms_by_round.push(run.load.p50Ms);
    current.p99_ms_by_round.push(run.load.p99Ms);
    current.rps = median(current.rps_by_round);
    current.p50_ms = median(current.p50_ms_by_round);
    current.p99_ms = median(current.p99_ms_by_round);
    current.responses += run.load.responses;
    for (const [status, count] of Object.entries(run.load.statuses)) {
      current.statuses[status] = (current.statuses[status] ?? 0) + count;
      if (!run.expected.includes(Number(status))) current.unexpected_statuses += count;
    }
    current.errors += run.load.errors;
    current.origin_requests += run.origin.count;
    current.origin_requests_per_response =
      current.responses === 0 ? 0 : current.origin_requests / current.responses;
    current.origin_max_in_flight = Math.max(current.origin_max_in_flight, run.origin.max_in_flight);
    byArm[run.arm] = current;
  }
  return summary;
}

const REJECTIONS = [
  "rejection_401_missing",
  "rejection_401_malformed",
  "rejection_401_unknown",
  "rejection_403_scope",
  "rejection_400_query",
  "rejection_429_rate",
] as const;

/**
 * The ratio of two arms, taken round by round and then the median: the arms of a round run
 * back to back, so a slow stretch of the machine (this VM's speed drifts by tens of percent over
 * minutes) weighs on both sides of each round's ratio instead of on one arm's median.
 */
export function pairedRatio(mine: readonly number[], reference: readonly number[]): number | null {
  const rounds = Math.min(mine.length, reference.length);
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = mine[round] as number;
    const b = reference[round] as number;
    if (a > 0 && b > 0) perRound.push(a / b);
  }
  return perRound.length === 0 ? null : median(perRound);
}

export function ratios(summary: Summary): Record<string, number> {
  const out: Record<string, number> = {};
  const get = (scenario: string, arm: Arm) => summary[scenario]?.[arm];
  const ratio = (name: string, a: ArmSummary | undefined, b: ArmSummary | undefined) => {
    if (a === undefined || b === undefined) return;
    const value = pairedRatio(a.rps_by_round, b.rps_by_round);
    if (value !== null) out[name] = value;
  };
  // CPU efficiency, same direction as the rps ratios: the reference's CPU per request over
  // the arm's. Less sensitive than req/s to a load generator or a neighbour taking the CPU.
  const cpuRatio = (name: string, a: ArmSummary | undefined, b: ArmSummary | undefined) => {
    if (a === undefined || b === undefined) return;
    const value = pairedRatio(b.server_cpu_us_by_round, a.server_cpu_us_by_round);
    if (value !== null) out[name] = value;
  };
  const added = (name: string, key: "p50_ms" | "p99_ms", a?: ArmSummary, b?: ArmSummary) => {
    if (a !== undefined && b !== undefined) out[name] = a[key] - b[key];
  };
  for (const id of REJECTIONS) {
    ratio(`${id}_vs_floor`, get(id, "gateway"), get(id, "floor"));
    ratio(`${id}_vs_nginx`, get(id, "gateway"), get(id, "nginx"));
    cpuRatio(`${id}_cpu_vs_floor`, get(id, "gateway"), get(id, "floor"));
  }
  const the401s = ["missing", "malformed", "unknown"]
    .map((kind) => out[`rejection_401_${kind}_vs_floor`])
    .filter((value): value is number => value !== undefined);
  if (the401s.length > 0) out.rejection_401_vs_floor = Math.min(...the401s);
  // The 401's answer alone (envelope, headers, log line) against the floor, and the gateway's
  // 401 against that answer: what the contract's answer costs, and what the gateway adds.
  ratio(
    "envelope_vs_floor",
    get("rejection_401_missing", "envelope"),
    get("rejection_401_missing", "floor"),
  );
  ratio(
    "rejection_401_missing_vs_envelope",
    get("rejection_401_missing", "gateway"),
    get("rejection_401_missing", "envelope"),
  );
  ratio("replay_vs_floor", get("idempotent_replay", "gateway"), get("idempotent_replay", "floor"));

  const loaded = (arm: Arm) => get("admitted_get", arm);
  ratio("proxied_vs_passthrough", loaded("gateway"), loaded("passthrough"));
  cpuRatio("proxied_cpu_vs_passthrough", loaded("gateway"), loaded("passthrough"));
  // The contract's work for an admitted proxied answer alone (origin headers, origin timeout,
  // answer headers, log line) against the pass-through, and the gateway against that work:
  // what the required answer costs, and what the gateway adds. No budget: they split
  // proxied_vs_passthrough in two (it is about their product).
  ratio("admitted_floor_vs_passthrough", loaded("admitted-floor"), loaded("passthrough"));
  cpuRatio("admitted_floor_cpu_vs_passthrough", loaded("admitted-floor"), loaded("passthrough"));
  ratio("proxied_vs_admitted_floor", loaded("gateway"), loaded("admitted-floor"));
  cpuRatio("proxied_cpu_vs_admitted_floor", loaded("gateway"), loaded("admitted-floor"));
  ratio("proxied_vs_origin", loaded("gateway"), loaded("origin"));
  ratio("proxied_vs_nginx", loaded("gateway"), loaded("nginx"));
  ratio("passthrough_vs_origin", loaded("passthrough"), loaded("origin"));
  ratio("nginx_vs_origin", loaded("nginx"), loaded("origin"));
  ratio("floor_vs_origin", loaded("floor"), loaded("origin"));

  const unloaded = (arm: Arm) => get("admitted_get_unloaded", arm);
  added("p50_added_ms", "p50_ms", unloaded("gateway"), unloaded("origin"));
  added("p99_added_ms", "p99_ms", unloaded("gateway"), unloaded("origin"));
  added("p50_added_ms_vs_passthrough", "p50_ms", unloaded("gateway"), unloaded("passthrough"));
  added(
    "p50_added_ms_vs_admitted_floor",
    "p50_ms",
    unloaded("gateway"),
    unloaded("admitted-floor"),
  );
  added("p50_added_ms_vs_nginx", "p50_ms", unloaded("gateway"), unloaded("nginx"));
  added("p99_added_ms_vs_nginx", "p99_ms", unloaded("gateway"), unloaded("nginx"));
  added("passthrough_p50_added_ms", "p50_ms", unloaded("passthrough"), unloaded("origin"));
  added("admitted_floor_p50_added_ms", "p50_ms", unloaded("admitted-floor"), unloaded("origin"));
  added("nginx_p50_added_ms", "p50_ms", unloaded("nginx"), unloaded("origin"));
  added("loaded_p50_added_ms", "p50_ms", loaded("gateway"), loaded("origin"));
  added("loaded_p99_added_ms", "p99_ms", loaded("gateway"), loaded("origin"));
  return out;
}

export function checks(
  summary: Summary,
  ratioValues: Record<string, number>,
  counts: readonly CountRecord[],
  scenarios: readonly Scenario[],
): Check[] {
  const list: Check[] = [];
  const timing = (name: string, min: number) => {
    const value = ratioValues[name];
    if (value === undefined) return;
    list.push({ name, kind: "timing", value, target: `>= ${min}`, pass: value >= min });
  };
  const fact = (name: string, value: number | null, target: string, pass: boolean) =>
    list.push({ name, kind: "fact", value, target, pass });

  for (const id of REJECTIONS) timing(`${id}_vs_floor`, 0.85);
  timing("proxied_vs_passthrough", 0.8);

  for (const record of counts) {
    const scenario = scenarios.find((s) => s.id === record.scenario);
    if (scenario?.doCallsAtMost !== undefined) {
      fact(
        `DO calls per request, leases' included: ${record.scenario}`,
        record.do_calls_per_request,
        `<= ${scenario.doCallsAtMost}`,
        record.do_calls_per_request <= scenario.doCallsAtMost,
      );
    } else if (
      scenario?.doCallsOnPath !== undefined &&
      scenario.doCallsTotal === scenario.doCallsOnPath
    ) {
      fact(
        `DO calls per request (none after the response): ${record.scenario}`,
        record.do_calls_per_request,
        `= ${scenario.doCallsOnPath}`,
        record.do_calls_on_path_per_request === scenario.doCallsOnPath &&
          record.do_calls_per_request === scenario.doCallsTotal,
      );
    } else if (scenario?.doCallsOnPath !== undefined) {
      fact(
        `DO calls before the response: ${record.scenario}`,
        record.do_calls_on_path_per_request,
        `= ${scenario.doCallsOnPath}`,
        record.do_calls_on_path_per_request === scenario.doCallsOnPath,
      );
      fact(
        `DO calls in all (completion after the response): ${record.scenario}`,
        record.do_calls_per_request,
        `= ${scenario.doCallsTotal}`,
        record.do_calls_per_request === scenario.doCallsTotal,
      );
    }
    // The isolate's usage sends are batched (section 11): at most one per account every 10 s,
    // a few in a whole counting pass. One per request would mean a send on the request path.
    const usageSends = record.requests > 0 ? record.usage_sends / record.requests : 0;
    fact(
      `usage sends per request (batched): ${record.scenario}`,
      usageSends,
      "<= 0.1",
      usageSends <= 0.1,
    );
    fact(
      `expected statuses (counting pass): ${record.scenario}`,
      record.unexpected_statuses,
      "0 unexpected",
      record.unexpected_statuses === 0 && record.requests > 0,
    );
    if (scenario?.kind === "rejection" || scenario?.kind === "replay") {
      fact(
        `origin requests per ${scenario.kind} (counting pass): ${record.scenario}`,
        record.origin_requests_per_request,
        "= 0",
        record.origin_requests_per_request === 0,
      );
    }
    if (record.replayed_header !== undefined) {
      fact(
        "every replay carries Idempotent-Replayed: true",
        record.replayed_header ? 1 : 0,
        "= 1",
        record.replayed_header,
      );
    }
  }

  for (const scenario of scenarios) {
    for (const [arm, result] of Object.entries(summary[scenario.id] ?? {})) {
      if (result === undefined) continue;
      fact(
        `expected statuses: ${scenario.id} / ${arm}`,
        result.unexpected_statuses,
        "0 unexpected",
        result.unexpected_statuses === 0 && result.responses > 0,
      );
      // The arms that check keys (the baseline is a gateway too, of another commit).
      const reaches = arm === "gateway" || arm === "baseline" || arm === "nginx";
      if (reaches && (scenario.kind === "rejection" || scenario.kind === "replay")) {
        // Any 2xx of the run (the window of a 1-per-minute key reopening) may reach the origin.
        const admitted = Object.entries(result.statuses)
          .filter(([status]) => status.startsWith("2") && scenario.kind !== "replay")
          .reduce((sum, [, count]) => sum + count, 0);
        const perRejection = (result.origin_requests - admitted) / (result.responses - admitted);
        fact(
          `origin requests per ${scenario.kind === "replay" ? "replay" : "rejection"}: ${scenario.id} / ${arm}`,
          perRejection,
          "= 0",
          perRejection === 0,
        );
      }
      if (scenario.kind === "overload" && reaches) {
        fact(
          `origin max in flight under overload: ${arm}`,
          result.origin_max_in_flight,
          `<= ${OVERLOAD_IN_FLIGHT_LIMIT}`,
          result.origin_max_in_flight <= OVERLOAD_IN_FLIGHT_LIMIT,
        );
      }
    }
  }
  return list;
}
