// Command-line and environment options of `npm run bench`, and the scenarios they select.
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
      }
    : {
        smoke,
        rounds: 5,
        durationS: 3,
        warmupS: 1,
        connections: 50,
        countingRequests: 50,
        only: [],
      };
  const known = new Set(SCENARIOS.map((scenario) => scenario.id));
  for (const arg of argv) {
    if (arg.startsWith("--only=")) {
      options.only = arg.slice("--only=".length).split(",");
      const unknown = options.only.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(", ")}`);
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

export function selected(options: Options): readonly Scenario[] {
  return options.only.length === 0
    ? SCENARIOS
    : SCENARIOS.filter((scenario) => options.only.includes(scenario.id));
}
