// Command-line and environment options of `npm run bench`, the scenarios they select and where
// their results go.
import { withBaseline } from "./arms.ts";
import { SCENARIOS, type Scenario } from "./scenarios.ts";

export interface Options {
  smoke: boolean;
  rounds: number;
  durationS: number;
  warmupS: number;
  connections: number;
  countingRequests: number;
  /** Scenario ids to run (all when empty), for working on one scenario. */
  only: string[];
  /** `--baseline=<git ref>`: that commit's bundle as the extra arm `baseline` (null: none). */
  baseline: string | null;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const smoke = argv.includes("--smoke") || env.BENCH_SMOKE === "1" || env.BENCH_SMOKE === "true";
  const options: Options = smoke
    ? {
        smoke,
        rounds: 1,
        durationS: 1,
        warmupS: 0,
        connections: 50,
        countingRequests: 10,
        only: [],
        baseline: null,
      }
    : {
        smoke,
        rounds: 5,
        durationS: 3,
        warmupS: 1,
        connections: 50,
        countingRequests: 50,
        only: [],
        baseline: null,
      };
  const known = new Set(SCENARIOS.map((scenario) => scenario.id));
  for (const arg of argv) {
    if (arg.startsWith("--only=")) {
      options.only = arg.slice("--only=".length).split(",");
      const unknown = options.only.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(", ")}`);
      continue;
    }
    if (arg.startsWith("--baseline=")) {
      const ref = arg.slice("--baseline=".length);
      // A ref is handed to git after --end-of-options, but one that looks like an option is
      // a typo (`--baseline=--only=...`), not a commit.
      if (ref === "" || ref.startsWith("-")) throw new Error(`--baseline needs a git ref: ${arg}`);
      options.baseline = ref;
      continue;
    }
    const match = /^--(rounds|duration|warmup|connections)=(\d+(?:\.\d+)?)$/.exec(arg);
    if (match === null) {
      if (arg !== "--smoke") throw new Error(`unknown argument ${arg}`);
      continue;
    }
    const value = Number(match[2]);
    if (match[1] === "rounds") options.rounds = Math.max(1, Math.round(value));
    if (match[1] === "duration") options.durationS = Math.min(60, Math.max(0.5, value));
    if (match[1] === "warmup") options.warmupS = Math.min(60, value);
    if (match[1] === "connections") options.connections = Math.max(1, Math.round(value));
  }
  return options;
}

/** The scenarios to run, with the baseline arm added where the gateway runs (--baseline). */
export function selected(options: Options): readonly Scenario[] {
  const scenarios =
    options.only.length === 0
      ? SCENARIOS
      : SCENARIOS.filter((scenario) => options.only.includes(scenario.id));
  if (options.baseline === null) return scenarios;
  return scenarios.map((scenario) => ({
    ...scenario,
    arms: withBaseline(scenario.arms, true),
  }));
}

/**
 * Where a run's results go, relative to bench/. bench/results.json holds the figures of a full
 * run; a smoke run, a run of a few scenarios (--only) or an A/B (--baseline) never replaces
 * them. A smoke run stays a smoke run with a baseline too: its figures mean nothing, so it
 * does not replace an A/B's either.
 */
export function resultsFile(options: Options): string {
  if (options.smoke) return ".work/results-smoke.json";
  if (options.baseline !== null) return ".work/results-ab.json";
  if (options.only.length > 0) return ".work/results-partial.json";
  return "results.json";
}
