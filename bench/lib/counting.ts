// The counting pass: requests one at a time through the counted gateway (bench/workers/
// gateway-counted.ts), whose proxies count every Durable Object and KV call, split into calls
// made before the response and after it (completion). The origin's tag counter says how many
// of the requests reached it.
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchKeys } from "./accounts.ts";
import { originStats, send } from "./load.ts";
import { prepare } from "./prepare.ts";
import type { Scenario } from "./scenarios.ts";

interface BindingCounts {
  requests: number;
  do_calls: number;
  do_calls_before_response: number;
  do_methods: Record<string, number>;
  kv_calls: number;
  kv_calls_before_response: number;
  kv_methods: Record<string, number>;
  /** Batched usage sends (section 11), counted apart from the requests' own calls. */
  usage_sends?: number;
}

export interface CountRecord {
  scenario: string;
  requests: number;
  statuses: Record<string, number>;
  unexpected_statuses: number;
  do_calls_per_request: number;
  do_calls_on_path_per_request: number;
  do_methods: Record<string, number>;
  kv_calls_per_request: number;
  kv_calls_on_path_per_request: number;
  kv_methods: Record<string, number>;
  origin_requests_per_request: number;
  /** The isolate's batched usage sends seen during the pass (after responses, every ≥ 10 s). */
  usage_sends: number;
  /** Replays only: every answer carried `Idempotent-Replayed: true`. */
  replayed_header?: boolean;
}

async function counts(countedUrl: string, reset: boolean): Promise<BindingCounts> {
  const response = await fetch(`${countedUrl}/__bench/counts`, { method: reset ? "POST" : "GET" });
  if (!response.ok) throw new Error(`counts answered ${response.status}`);
  return (await response.json()) as BindingCounts;
}

/** Waits until completion work (ctx.waitUntil) has stopped adding calls. */
async function settled(countedUrl: string): Promise<BindingCounts> {
  let previous = await counts(countedUrl, false);
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    const current = await counts(countedUrl, false);
    if (current.do_calls === previous.do_calls && current.kv_calls === previous.kv_calls) {
      return current;
    }
    previous = current;
  }
  return previous;
}

export async function countingPass(
  countedUrl: string,
  originUrl: string,
  keys: BenchKeys,
  scenarios: readonly Scenario[],
  perScenario: number,
): Promise<CountRecord[]> {
  const records: CountRecord[] = [];
  for (const scenario of scenarios) {
    if (scenario.doCallsOnPath === undefined && scenario.doCallsAtMost === undefined) continue;
    const spec = scenario.request(keys, "gateway", 0);
    if (scenario.prepare !== undefined) {
      await prepare(scenario.prepare, countedUrl, spec, `count-prepare-${scenario.id}`);
    }
    await settled(countedUrl);
    await counts(countedUrl, true);
    const tag = `count-${scenario.id}`;
    const statuses: Record<string, number> = {};
    let unexpected = 0;
    let replayed = true;
    const requests = scenario.countingRequests ?? perScenario;
    for (let i = 0; i < requests; i++) {
      const answer = await send(countedUrl, spec, tag);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (!scenario.expected.includes(answer.status)) unexpected++;
      if (answer.headers.get("idempotent-replayed") !== "true") replayed = false;
    }
    const seen = await settled(countedUrl);
    const origin = await originStats(originUrl, tag);
    const per = (value: number) => value / requests;
    records.push({
      scenario: scenario.id,
      requests: seen.requests,
      statuses,
      unexpected_statuses: unexpected,
      do_calls_per_request: per(seen.do_calls),
      do_calls_on_path_per_request: per(seen.do_calls_before_response),
      do_methods: seen.do_methods,
      kv_calls_per_request: per(seen.kv_calls),
      kv_calls_on_path_per_request: per(seen.kv_calls_before_response),
      kv_methods: seen.kv_methods,
      origin_requests_per_request: per(origin.count),
      usage_sends: seen.usage_sends ?? 0,
      ...(scenario.kind === "replay" ? { replayed_header: replayed } : {}),
    });
  }
  return records;
}
