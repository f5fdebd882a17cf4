// `npm run bench`: GATEWAY.md section 8, measured side by side in one run.
//
// Arms: the origin hit directly; an empty Worker (the floor) and a pass-through Worker on the
// same raw workerd as the gateway (no wrangler dev proxy); the gateway's production bundle; and
// nginx (key map + limit_req) when it is installed. Load: autocannon in this process; the origin
// runs in its own process. Every scenario's arms are interleaved, round after round, and the
// medians are reported with their ratios, budgets and counted Durable Object / KV calls.
//
//   npm run bench                      full: 5 rounds x 3 s per arm, 50 connections
//   npm run bench -- --smoke           (or BENCH_SMOKE=1) 1 round x 1 s; asserts facts only
//   options: --rounds=N --duration=S --warmup=S --connections=N --only=<scenario id>,...
//   --baseline=<git ref>: that commit's gateway bundle as an extra arm `baseline` right after
//   `gateway` in every scenario that has it (its own KV, Durable Objects and accounts), and an
//   A/B table with paired ratios gateway_vs_baseline and cpu_gateway_vs_baseline
//   BENCH_DO_DIR=<dir>: the Durable Objects' SQLite files there (e.g. a tmpfs) instead of
//   bench/.work/run/do
//
// Timing budgets are reported (pass/FAIL) and never fail the process; correctness facts (0 DO
// calls on a rejection, 0 origin requests per rejection, expected statuses, in-flight bound under
// overload) exit non-zero when they do not hold. Figures go to stdout and bench/results.json
// (smoke: bench/.work/results-smoke.json; --baseline: bench/.work/results-ab.json; --only:
// bench/.work/results-partial.json).
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { abRows } from "./lib/ab.ts";
import { removeBaselineWorktree } from "./lib/baseline.ts";
import { type CountRecord, countingPass } from "./lib/counting.ts";
import { parseOptions, resultsFile, selected } from "./lib/options.ts";
import { stopAll } from "./lib/processes.ts";
import { progress } from "./lib/progress.ts";
import { checks, ratios, summarize } from "./lib/report.ts";
import { timedRounds } from "./lib/rounds.ts";
import { BENCH_DIR, ROOT, startServices } from "./lib/services.ts";
import { abTable, checksTable, countsTable, ratiosTable, throughputTable } from "./lib/tables.ts";

function command(argv: readonly string[]): string {
  const args = argv.length > 0 ? ` -- ${argv.join(" ")}` : "";
  const smokeEnv = process.env.BENCH_SMOKE ? `BENCH_SMOKE=${process.env.BENCH_SMOKE} ` : "";
  return process.env.npm_lifecycle_event === "bench"
    ? `${smokeEnv}npm run bench${args}`
    : `${smokeEnv}node bench/run.ts${argv.length > 0 ? ` ${argv.join(" ")}` : ""}`;
}

function machine(versions: Record<string, string>, loadStart: number[]) {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? "unknown",
    cpu_mhz: cpus[0]?.speed ?? 0,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    versions,
    load_average_start: loadStart,
    load_average_end: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv, process.env);
  const started = new Date();
  const loadStart = os.loadavg().map((value) => Math.round(value * 100) / 100);
  progress(
    `${options.smoke ? "smoke" : "full"} run: ${options.rounds} round(s) x ${options.durationS} s per arm, ${options.connections} connections${options.baseline === null ? "" : `, A/B against ${options.baseline}`}`,
  );
  // One overload account per timed run of the gateway arm (and of the baseline's), the
  // warm-up's included.
  const services = await startServices(options.rounds + 1, { baseline: options.baseline });
  progress("counting pass (Durable Object and KV calls, origin requests)");
  const counts: CountRecord[] = await countingPass(
    services.countedUrl,
    services.urls.origin as string,
    services.countedKeys,
    selected(options),
    options.countingRequests,
  );
  const runs = await timedRounds(options, services);

  const summary = summarize(runs);
  const ratioValues = ratios(summary);
  const ab = services.baseline === null ? null : abRows(summary, selected(options));
  const checkList = checks(summary, ratioValues, counts, selected(options));
  const info = machine(services.versions, loadStart);
  const facts = checkList.filter((check) => check.kind === "fact");
  const budgets = checkList.filter((check) => check.kind === "timing");
  const failedFacts = facts.filter((check) => !check.pass);
  const missedBudgets = budgets.filter((check) => !check.pass);

  const settings = `${options.rounds} round(s) x ${options.durationS} s per arm${options.warmupS > 0 ? ` (+${options.warmupS} s warm-up in round 1)` : ""}, ${options.connections} connections (1 for the unloaded probe), arms interleaved; medians over rounds`;
  const out = [
    `# Gateway benchmark (${options.smoke ? "smoke" : "full"}), ${started.toISOString()}`,
    "",
    `command: ${command(argv)}`,
    `settings: ${settings}`,
    `machine: ${info.cpus} x ${info.cpu_model}, ${info.memory_gib} GiB, ${info.os}; node ${info.versions.node}, workerd ${info.versions.workerd}, wrangler ${info.versions.wrangler}, autocannon ${info.versions.autocannon}${info.versions.nginx ? `, ${info.versions.nginx}` : ""}; load average ${info.load_average_start.join(" ")} -> ${info.load_average_end.join(" ")}`,
    ...services.notes.map((note) => `note: ${note}`),
    "",
    throughputTable(summary, selected(options)),
    "",
    countsTable(counts),
    "",
    ratiosTable(ratioValues),
    "",
    ...(ab === null || services.baseline === null
      ? []
      : [
          `## A/B: gateway (this tree) vs baseline ${services.baseline.ref} (${services.baseline.commit.slice(0, 7)})`,
          "",
          abTable(ab),
          "",
          "gateway_vs_baseline: req/s, gateway over baseline; cpu_gateway_vs_baseline: CPU per request, baseline over gateway (both paired per round, median; above 1 the gateway is faster / cheaper).",
          "",
        ]),
    checksTable(checkList),
    "",
    `facts (the rows above, and every run's statuses): ${facts.length - failedFacts.length} of ${facts.length} hold; timing budgets: ${budgets.length - missedBudgets.length} of ${budgets.length} met (reported only, never fatal)`,
  ];
  process.stdout.write(`${out.join("\n")}\n`);

  // bench/results.json holds the figures of a full run; a smoke run, a run of a few scenarios
  // (--only) or an A/B (--baseline) never replaces them (options.ts).
  const resultsPath = join(BENCH_DIR, resultsFile(options));
  const results = {
    date: started.toISOString(),
    command: command(argv),
    mode: options.smoke ? "smoke" : "full",
    settings: {
      rounds: options.rounds,
      duration_s: options.durationS,
      warmup_s: options.warmupS,
      connections: options.connections,
      counting_requests_per_scenario: options.countingRequests,
    },
    machine: info,
    notes: services.notes,
    ...(services.baseline === null ? {} : { baseline: services.baseline, ab }),
    ratios: ratioValues,
    budgets,
    facts,
    summary,
    counts,
    runs,
  };
  await mkdir(dirname(resultsPath), { recursive: true });
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  progress(`results written to ${resultsPath.slice(ROOT.length + 1)}`);
  if (failedFacts.length > 0) {
    progress(`FAILED facts:\n${failedFacts.map((check) => `  ${check.name}`).join("\n")}`);
    return 1;
  }
  return 0;
}

let exitCode = 1;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping`);
    void Promise.allSettled([stopAll(), removeBaselineWorktree()]).then(() => process.exit(130));
  });
}
try {
  exitCode = await main();
} catch (error) {
  progress(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await stopAll();
  // Normally gone right after the build (baseline.ts); this covers a run that failed beside it.
  await removeBaselineWorktree().catch((error: unknown) => {
    progress(`could not remove the baseline's worktree: ${String(error)}`);
  });
}
process.exit(exitCode);
