// `npm run bench:profile -- <scenario id> [--duration=S] [--connections=N] [--floor]`:
// where the gateway's CPU goes in one scenario. Starts the benchmark's services with workerd's
// V8 inspector on loopback, loads the gateway arm with the scenario's request while the sampling
// profiler runs, and prints the functions with the most self time and the most total time. The
// profile itself goes to bench/.work/<scenario>.cpuprofile (Chrome DevTools or speedscope).
//
// `--floor` profiles the empty Worker instead, to see what the runtime itself costs per request.
// It is a tool for finding a cause, not a figure: the profiler slows the isolate down, so its
// req/s are not comparable with `npm run bench`'s.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "./lib/load.ts";
import { prepare } from "./lib/prepare.ts";
import { freePort, stopAll } from "./lib/processes.ts";
import { progress } from "./lib/progress.ts";
import { SCENARIOS } from "./lib/scenarios.ts";
import { BENCH_DIR, startServices } from "./lib/services.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function connect(webSocketUrl: string) {
  const socket = new WebSocket(webSocketUrl);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot open ${webSocketUrl}`)), {
      once: true,
    });
  });
  let nextId = 1;
  const pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: unknown;
    };
    if (message.id !== undefined) pending.get(message.id)?.(message);
  });
  return {
    async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++;
      const answer = await new Promise<{ result?: unknown; error?: unknown }>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
      pending.delete(id);
      if (answer.error !== undefined) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
      return answer.result as T;
    },
    close: () => socket.close(),
  };
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split("/").pop() ?? "";
  return `${functionName || "(anonymous)"} ${file}${file ? `:${lineNumber + 1}` : ""}`;
}

/** Self and total (inclusive) sample time per function, in ms. */
function summarize(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    all += ms;
    const leaf = byId.get(id);
    if (leaf === undefined) return;
    self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node === undefined) break;
      const name = frameName(node);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
  return { all, self: top(self, 30), total: top(total, 40) };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const scenarioId = argv.find((arg) => !arg.startsWith("--")) ?? "rejection_403_scope";
  const scenario = SCENARIOS.find((candidate) => candidate.id === scenarioId);
  if (scenario === undefined) {
    throw new Error(
      `unknown scenario ${scenarioId}; one of ${SCENARIOS.map((s) => s.id).join(", ")}`,
    );
  }
  const option = (name: string, fallback: number) => {
    const arg = argv.find((candidate) => candidate.startsWith(`--${name}=`));
    return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  };
  const durationS = option("duration", 5);
  // The floor's profile shows what the runtime itself costs per request.
  const arm = argv.includes("--floor") ? "floor" : "gateway";
  const connections = option("connections", 50);

  const inspectorPort = await freePort();
  const services = await startServices(2, { inspectorPort });
  const gatewayUrl = services.urls[arm] as string;
  const spec = scenario.request(services.keys, "gateway", 0);
  if (scenario.prepare !== undefined && arm === "gateway")
    await prepare(scenario.prepare, gatewayUrl, spec, "prepare");
  // Warm the isolate (JIT, caches) before sampling.
  await load(gatewayUrl, spec, { connections, durationS: 1, serverPids: [] });

  const inspector = `http://127.0.0.1:${inspectorPort}`;
  const targets = (await (await fetch(`${inspector}/json/list`)).json()) as {
    id: string;
    title?: string;
    webSocketDebuggerUrl?: string;
  }[];
  const target = targets.find((candidate) => candidate.id === arm);
  if (target?.webSocketDebuggerUrl === undefined) {
    throw new Error(`no ${arm} target among ${targets.map((t) => t.id).join(", ")}`);
  }
  const client = await connect(target.webSocketDebuggerUrl);
  await client.call("Profiler.enable");
  await client.call("Profiler.setSamplingInterval", { interval: 50 });
  await client.call("Profiler.start");
  const result = await load(gatewayUrl, spec, {
    connections,
    durationS,
    serverPids: services.pids[arm],
  });
  const { profile } = await client.call<{ profile: CpuProfile }>("Profiler.stop");
  client.close();

  const outDir = join(BENCH_DIR, ".work");
  await mkdir(outDir, { recursive: true });
  const outFile = join(outDir, `${scenario.id}.cpuprofile`);
  await writeFile(outFile, JSON.stringify(profile));
  const { all, self, total } = summarize(profile);
  const perRequest = (ms: number) => ((ms * 1000) / Math.max(1, result.responses)).toFixed(1);
  const lines = [
    `${scenario.id} (${arm}): ${result.responses} responses in ${result.durationS} s (${JSON.stringify(result.statuses)}), ${connections} connections, profiler on`,
    `sampled JS time ${all.toFixed(0)} ms = ${perRequest(all)} µs per response`,
    "",
    "self time (µs per response)",
    ...self.map(([name, ms]) => `  ${perRequest(ms).padStart(7)}  ${name}`),
    "",
    "total time (µs per response)",
    ...total.map(([name, ms]) => `  ${perRequest(ms).padStart(7)}  ${name}`),
    "",
    `profile: ${outFile}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  progress(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await stopAll();
}
process.exit(exitCode);
