// The admitted floor: an arm of the two admitted GET scenarios (never duplicated for a
// baseline), served by its own socket, and two ratios paired per round that split
// proxied_vs_passthrough into what the contract's work costs and what the gateway adds. The
// Worker itself is run here against a stubbed fetch: it does the contract's work, and only that.
import { afterEach, describe, expect, it, vi } from "vitest";
import { BENCH_WORKERS } from "../../bench/lib/build.ts";
import { parseOptions, selected } from "../../bench/lib/options.ts";
import { type RunRecord, ratios, summarize } from "../../bench/lib/report.ts";
import { type Arm, expectedStatuses, SCENARIOS } from "../../bench/lib/scenarios.ts";
import { workerdConfig } from "../../bench/lib/workerd-config.ts";
import admittedFloor from "../../bench/workers/admitted-floor.ts";

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

describe("the admitted-floor arm", () => {
  it("runs in the two admitted GET scenarios only, and answers 200", () => {
    const withArm = SCENARIOS.filter((scenario) => scenario.arms.includes("admitted-floor"));
    expect(withArm.map((scenario) => scenario.id)).toEqual([
      "admitted_get",
      "admitted_get_unloaded",
    ]);
    for (const scenario of withArm)
      expect(expectedStatuses(scenario, "admitted-floor")).toEqual([200]);
  });

  it("is not duplicated for a baseline", () => {
    const [loaded, unloaded] = selected(
      parseOptions(["--baseline=HEAD", "--only=admitted_get,admitted_get_unloaded"], {}),
    );
    for (const scenario of [loaded, unloaded]) {
      expect(scenario?.arms.filter((arm) => arm === "admitted-floor")).toEqual(["admitted-floor"]);
      expect(scenario?.arms).toContain("baseline");
    }
  });

  it("is built, and served on its own socket with ORIGIN_URL", () => {
    expect(BENCH_WORKERS).toContain("admitted-floor");
    const config = workerdConfig({
      compatibilityDate: "2026-01-01",
      compatibilityFlags: [],
      durableObjects: [{ name: "ACCOUNTS", className: "AccountCoordinator" }],
      doStorageDir: "/tmp/do",
      ports: { floor: 1, envelope: 2, passthrough: 3, admittedFloor: 4, gateway: 5, counted: 6 },
      vars: { ORIGIN_URL: "http://127.0.0.1:9" },
    });
    expect(config).toContain(
      '(name = "admitted-floor", address = "127.0.0.1:4", http = (), service = "admitted-floor")',
    );
    const service = config
      .split("\n")
      .findIndex((line) => line.includes('(name = "admitted-floor", worker = ('));
    expect(service).toBeGreaterThan(-1);
    const block = config
      .split("\n")
      .slice(service, service + 8)
      .join("\n");
    expect(block).toContain('esModule = embed "admitted-floor.js"');
    expect(block).toContain('(name = "ORIGIN_URL", text = "http://127.0.0.1:9")');
  });
});

describe("admitted floor ratios", () => {
  // The machine halves its speed from round 2 on; throughout, the admitted floor serves 0.7 of
  // the pass-through's req/s at 1/0.7 of its CPU per request, and the gateway 0.5 of the
  // admitted floor's at twice its CPU.
  const rounds = [1, 0.5, 0.5];
  const runs = rounds.flatMap((speed, round) => [
    run("admitted_get", "passthrough", round, 2000 * speed, 400 / speed),
    run("admitted_get", "admitted-floor", round, 1400 * speed, 400 / 0.7 / speed),
    run("admitted_get", "gateway", round, 700 * speed, 800 / 0.7 / speed),
    run("admitted_get_unloaded", "origin", round, 4000, 50),
    run("admitted_get_unloaded", "admitted-floor", round, 1000, 500),
    run("admitted_get_unloaded", "gateway", round, 250, 2000),
  ]);
  const values = ratios(summarize(runs));

  it("splits proxied_vs_passthrough into the floor's share and the gateway's, paired per round", () => {
    expect(values.admitted_floor_vs_passthrough).toBeCloseTo(0.7);
    expect(values.proxied_vs_admitted_floor).toBeCloseTo(0.5);
    expect(values.proxied_vs_passthrough).toBeCloseTo(0.35);
    expect(values.admitted_floor_cpu_vs_passthrough).toBeCloseTo(0.7);
    expect(values.proxied_cpu_vs_admitted_floor).toBeCloseTo(0.5);
    expect(values.proxied_cpu_vs_passthrough).toBeCloseTo(0.35);
  });

  it("gives the unloaded p50 added over the origin and the gateway's over the floor", () => {
    expect(values.admitted_floor_p50_added_ms).toBeCloseTo(1 - 0.25);
    expect(values.p50_added_ms_vs_admitted_floor).toBeCloseTo(4 - 1);
  });

  it("leaves them out when the arm did not run, and keeps proxied_vs_passthrough", () => {
    const without = ratios(summarize(runs.filter((record) => record.arm !== "admitted-floor")));
    expect(Object.keys(without).filter((name) => name.includes("admitted_floor"))).toEqual([]);
    expect(without.proxied_vs_passthrough).toBeCloseTo(0.35);
  });
});

describe("the admitted floor Worker", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("sends the contract's origin request and gives the contract's answer and log line", async () => {
    let sent: { url: string; init: RequestInit } | undefined;
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      sent = { url, init };
      return new Response('{"ok":true}', {
        status: 200,
        headers: {
          "content-type": "application/json",
          "content-length": "11",
          connection: "keep-alive",
          "keep-alive": "timeout=5",
          "proxy-authenticate": "Basic",
          trailer: "x-sum",
          upgrade: "h2c",
          "x-origin": "kept",
        },
      });
    });
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => {
      lines.push(line);
    });
    const response = await admittedFloor.fetch(
      new Request("http://127.0.0.1:8787/__test/fast?a=1&b=2", {
        headers: { authorization: "Bearer secret", "x-test-tag": "t1", accept: "*/*" },
      }),
      { ORIGIN_URL: "http://127.0.0.1:9" },
    );

    expect(sent?.url).toBe("http://127.0.0.1:9/__test/fast?a=1&b=2");
    expect(sent?.init.redirect).toBe("manual");
    expect(sent?.init.signal).toBeInstanceOf(AbortSignal);
    expect(sent?.init.signal?.aborted).toBe(false);
    expect(sent?.init.body).toBeNull();
    const toOrigin = sent?.init.headers as Headers;
    expect(toOrigin.get("authorization")).toBeNull();
    expect(toOrigin.get("host")).toBeNull();
    expect(toOrigin.get("x-test-tag")).toBe("t1");
    expect(toOrigin.get("accept")).toBe("*/*");
    for (const name of [
      "X-Gateway-Account-Id",
      "X-Gateway-Key-Id",
      "X-Gateway-Scopes",
      "X-Gateway-Tier",
    ]) {
      expect(toOrigin.get(name)).toMatch(/\S/);
    }

    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(toOrigin.get("x-request-id")).toBe(requestId);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"ok":true}');
    for (const name of [
      "content-length",
      "connection",
      "keep-alive",
      "proxy-authenticate",
      "trailer",
      "upgrade",
    ]) {
      expect(response.headers.get(name)).toBeNull();
    }
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-origin")).toBe("kept");
    expect(response.headers.get("ratelimit-policy")).toMatch(
      /^"minute";q=\d+;w=60, "daily";q=\d+;w=86400, "active";q=\d+;qu="concurrent-requests"$/,
    );
    expect(response.headers.get("ratelimit")).toMatch(/^"minute";r=\d+;t=\d+$/);

    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    // The fields of src/observability/request-log.ts, in its order.
    expect(Object.keys(line)).toEqual([
      "request_id",
      "method",
      "path",
      "status",
      "code",
      "account_id",
      "key_id",
      "decision",
      "total_ms",
      "origin_ms",
    ]);
    expect(line).toMatchObject({
      request_id: requestId,
      method: "GET",
      path: "/__test/fast",
      status: 200,
      code: null,
      decision: "admitted",
    });
    expect(typeof line.total_ms).toBe("number");
    expect(typeof line.origin_ms).toBe("number");
  });

  it("arms the origin timeout and clears it when the headers arrive", async () => {
    const setSpy = vi.spyOn(globalThis, "setTimeout");
    const clearSpy = vi.spyOn(globalThis, "clearTimeout");
    vi.stubGlobal("fetch", async () => new Response(null, { status: 204 }));
    vi.spyOn(console, "log").mockImplementation(() => {});
    await admittedFloor.fetch(new Request("http://127.0.0.1:8787/x"), {
      ORIGIN_URL: "http://127.0.0.1:9",
    });
    expect(setSpy).toHaveBeenCalledWith(expect.any(Function), 30_000);
    const timer = setSpy.mock.results[0]?.value;
    expect(clearSpy).toHaveBeenCalledWith(timer);
  });
});
