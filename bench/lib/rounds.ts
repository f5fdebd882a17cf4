// The timed rounds: every scenario's arms, interleaved and rotated round after round, each run
// under its own origin tag, with a warm-up run per arm in the first round. Runs never overlap,
// so the CPU the workerd process spends during a run is that run's arm's.
import { roundOrder } from "./arms.ts";
import { load, originStats } from "./load.ts";
import { type Options, selected } from "./options.ts";
import { prepare } from "./prepare.ts";
import { progress } from "./progress.ts";
import type { RunRecord } from "./report.ts";
import { type Arm, expectedStatuses, type Scenario } from "./scenarios.ts";
import { keysFor, type Services } from "./services.ts";

/** Arms of a scenario that are running, in this round's order (arms.ts). */
function armsFor(scenario: Scenario, services: Services, round: number): Arm[] {
  return roundOrder(
    scenario.arms.filter((arm) => services.urls[arm] !== null),
    round,
  );
}

/** Arms whose state a prepare step sets up (the floor and the others answer without any). */
const PREPARED: readonly Arm[] = ["gateway", "baseline", "nginx"];

export async function timedRounds(options: Options, services: Services): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  const runIndex = new Map<string, number>();
  const originUrl = services.urls.origin as string;
  const timed = selected(options).filter((scenario) => scenario.arms.length > 0);
  const once = async (
    scenario: Scenario,
    arm: Arm,
    round: number,
    durationS: number,
    tag: string,
  ) => {
    const base = services.urls[arm] as string;
    const key = `${scenario.id}/${arm}`;
    const index = runIndex.get(key) ?? 0;
    runIndex.set(key, index + 1);
    const spec = scenario.request(keysFor(services, arm), arm, index);
    if (scenario.prepare !== undefined && PREPARED.includes(arm)) {
      await prepare(scenario.prepare, base, spec, `prepare.${tag}`);
    }
    const result = await load(
      base,
      { ...spec, headers: { ...spec.headers, "x-test-tag": tag } },
      {
        connections: scenario.connections ?? options.connections,
        durationS,
        serverPids: services.pids[arm],
      },
    );
    const origin = await originStats(originUrl, tag);
    return {
      scenario: scenario.id,
      arm,
      round,
      tag,
      connections: scenario.connections ?? options.connections,
      expected: expectedStatuses(scenario, arm),
      load: result,
      origin,
    } satisfies RunRecord;
  };

  for (let round = 0; round < options.rounds; round++) {
    for (const scenario of timed) {
      for (const arm of armsFor(scenario, services, round)) {
        if (round === 0 && options.warmupS > 0) {
          await once(scenario, arm, round, options.warmupS, `${scenario.id}.${arm}.warmup`);
        }
        const record = await once(
          scenario,
          arm,
          round,
          options.durationS,
          `${scenario.id}.${arm}.r${round + 1}`,
        );
        runs.push(record);
        progress(
          `round ${round + 1}/${options.rounds} ${scenario.id} / ${arm}: ${record.load.rps.toFixed(0)} req/s, p50 ${record.load.p50Ms.toFixed(2)} ms, p99 ${record.load.p99Ms.toFixed(2)} ms`,
        );
      }
    }
  }
  return runs;
}
