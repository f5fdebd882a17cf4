// The A/B rows: the gateway and baseline figures of each scenario both ran, and their ratios
// paired per round (req/s gateway over baseline; CPU per request baseline over gateway, so
// both read "above 1, the gateway is better").
import { describe, expect, it } from "vitest";
import { abRows } from "../../bench/lib/ab.ts";
import { type RunRecord, summarize } from "../../bench/lib/report.ts";
import type { Arm } from "../../bench/lib/scenarios.ts";
import { SCENARIOS } from "../../bench/lib/scenarios.ts";

function run(scenario: string, arm: Arm, round: number, rps: number, cpuUs: number): RunRecord {
  const responses = rps * 2;
  return {
    scenario,
    arm,
    round,
    tag: `${scenario}.${arm}.r${round + 1}`,
    connections: 50,
    expected: [200],
    load: {
      responses,
      durationS: 2,
      rps,
      p50Ms: 1000 / rps,
      p99Ms: 4000 / rps,
      statuses: { "200": responses },
      errors: 0,
      timeouts: 0,
      serverCpuS: (cpuUs * responses) / 1e6,
      generatorCpuS: 1,
    },
    origin: { count: responses, in_flight: 0, max_in_flight: 1, creates: 0 },
  };
}

describe("abRows", () => {
  it("pairs gateway and baseline round by round", () => {
    // The machine halves its speed from round 2 on; the gateway is 1.1 times as fast and
    // spends 0.8 of the baseline's CPU per request throughout.
    const runs = [
      run("admitted_get", "gateway", 0, 1100, 800),
      run("admitted_get", "baseline", 0, 1000, 1000),
      run("admitted_get", "gateway", 1, 550, 1600),
      run("admitted_get", "baseline", 1, 500, 2000),
      run("admitted_get", "gateway", 2, 550, 1600),
      run("admitted_get", "baseline", 2, 500, 2000),
      run("admitted_get", "floor", 0, 5000, 100),
    ];
    const [row, ...rest] = abRows(summarize(runs), SCENARIOS);
    expect(rest).toEqual([]);
    expect(row?.scenario).toBe("admitted_get");
    expect(row?.gateway.rps).toBe(550);
    expect(row?.baseline.rps).toBe(500);
    expect(row?.gateway.server_cpu_us_per_request).toBeCloseTo(1600);
    expect(row?.baseline.server_cpu_us_per_request).toBeCloseTo(2000);
    expect(row?.gateway.p50_ms).toBeCloseTo(1000 / 550);
    expect(row?.baseline.p99_ms).toBeCloseTo(4000 / 500);
    expect(row?.gateway_vs_baseline).toBeCloseTo(1.1);
    expect(row?.cpu_gateway_vs_baseline).toBeCloseTo(1.25);
  });

  it("has a row only where both arms ran, in the scenarios' order", () => {
    const runs = [
      run("rejection_403_scope", "gateway", 0, 900, 100),
      run("rejection_403_scope", "baseline", 0, 1000, 100),
      run("admitted_get", "gateway", 0, 1000, 100),
      run("rejection_401_missing", "baseline", 0, 1000, 100),
      run("rejection_401_missing", "floor", 0, 1000, 100),
      run("admitted_get", "baseline", 0, 1000, 200),
    ];
    const rows = abRows(summarize(runs), SCENARIOS);
    expect(rows.map((row) => row.scenario)).toEqual(["admitted_get", "rejection_403_scope"]);
    expect(rows[0]?.cpu_gateway_vs_baseline).toBeCloseTo(2);
    expect(rows[1]?.gateway_vs_baseline).toBeCloseTo(0.9);
    expect(abRows(summarize([]), SCENARIOS)).toEqual([]);
  });

  it("gives null ratios when CPU could not be read", () => {
    const unread = (record: RunRecord): RunRecord => ({
      ...record,
      load: { ...record.load, serverCpuS: null },
    });
    const rows = abRows(
      summarize([
        unread(run("admitted_get", "gateway", 0, 1000, 1)),
        unread(run("admitted_get", "baseline", 0, 1000, 1)),
      ]),
      SCENARIOS,
    );
    expect(rows[0]?.gateway_vs_baseline).toBeCloseTo(1);
    expect(rows[0]?.cpu_gateway_vs_baseline).toBeNull();
    expect(rows[0]?.gateway.server_cpu_us_per_request).toBeNull();
  });
});
