// One timed run: autocannon against one arm for a bounded duration. Latencies are taken from
// every response (autocannon's own histogram keeps whole milliseconds of 2xx answers only), and
// the origin's counters for the run's tag are read afterwards.
import autocannon from "autocannon";
import { totalCpuSeconds } from "./processes.ts";
import type { RequestSpec } from "./scenarios.ts";

export interface OriginStats {
  count: number;
  in_flight: number;
  max_in_flight: number;
  creates: number;
}

export interface LoadResult {
  responses: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** CPU seconds the arm's server processes used during the run (null: not measurable here). */
  serverCpuS: number | null;
  /** CPU seconds this process (the load generator) used during the run. */
  generatorCpuS: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function load(
  baseUrl: string,
  spec: RequestSpec,
  {
    connections,
    durationS,
    serverPids,
  }: { connections: number; durationS: number; serverPids: readonly number[] },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const serverBefore = totalCpuSeconds(serverPids);
  const generatorBefore = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${baseUrl}${spec.path}`,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        connections,
        duration: durationS,
        timeout: 10,
        // Results are collected on a sample tick: a short one ends the run on time.
        sampleInt: 100,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const statuses: Record<string, number> = {};
        let responses = 0;
        for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) {
          statuses[status] = stat.count ?? 0;
          responses += stat.count ?? 0;
        }
        latencies.sort((a, b) => a - b);
        const serverAfter = totalCpuSeconds(serverPids);
        const generator = process.cpuUsage(generatorBefore);
        resolve({
          responses,
          durationS: result.duration,
          rps: responses / result.duration,
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          statuses,
          errors: result.errors,
          timeouts: result.timeouts,
          serverCpuS:
            serverBefore === null || serverAfter === null ? null : serverAfter - serverBefore,
          generatorCpuS: (generator.user + generator.system) / 1e6,
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}

export async function originStats(originUrl: string, tag: string): Promise<OriginStats> {
  const response = await fetch(`${originUrl}/__test/stats?tag=${encodeURIComponent(tag)}`);
  if (!response.ok) throw new Error(`origin stats answered ${response.status}`);
  return (await response.json()) as OriginStats;
}

export interface SentResponse {
  status: number;
  headers: Headers;
}

/** One request with fetch (prepare steps and the counting pass). */
export async function send(baseUrl: string, spec: RequestSpec, tag: string): Promise<SentResponse> {
  const response = await fetch(`${baseUrl}${spec.path}`, {
    method: spec.method,
    headers: { ...spec.headers, "x-test-tag": tag },
    body: spec.body,
    redirect: "manual",
  });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}
