// Everything the arms need, started for one run: the bundles, the origin (its own process),
// one workerd serving the floor, envelope, pass-through, admitted floor, gateway and counted
// gateway (and the baseline with --baseline), the accounts and keys (through the admin API), and
// nginx when it is installed.
import { spawnSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BASELINE_ACCOUNT_PREFIX, type BenchKeys, createBenchKeys } from "./accounts.ts";
import {
  BASELINE_BUNDLE,
  buildBaseline,
  describeWorkingTree,
  type WorkingTree,
} from "./baseline.ts";
import { sameBundleCode } from "./baseline-diff.ts";
import { buildBenchWorkers, buildGatewayBundle, readCompatibility } from "./build.ts";
import { findNginx, nginxConfig, nginxVersion } from "./nginx.ts";
import { ADMIN_TOKEN, BENCH_POLICY } from "./policy.ts";
import { childPids, forkWithMessage, freePort, startLogged, waitForHttp } from "./processes.ts";
import { progress } from "./progress.ts";
import type { Arm } from "./scenarios.ts";
import { workerdConfig } from "./workerd-config.ts";

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = resolve(BENCH_DIR, "..");
const WORK_DIR = join(BENCH_DIR, ".work", "run");

/** The workerd binary itself (the package's main export), not a launcher script around it. */
function workerdBinary(): string {
  const require = createRequire(join(ROOT, "package.json"));
  const binary = (require("workerd") as { default?: unknown }).default;
  if (typeof binary !== "string") throw new Error("the workerd package did not name its binary");
  return binary;
}

async function packageVersion(name: string): Promise<string> {
  const require = createRequire(join(ROOT, "package.json"));
  const manifest = JSON.parse(await readFile(require.resolve(`${name}/package.json`), "utf8"));
  return (manifest as { version: string }).version;
}

/** What the two arms of an A/B (--baseline) were built from. */
export interface BaselineInfo {
  ref: string;
  commit: string;
  subject: string;
  /** The gateway arm: the working tree, i.e. HEAD plus its uncommitted changes. */
  gateway_tree: WorkingTree;
  /** Dependencies its package.json gives differently (the current node_modules were used). */
  dependency_changes: string[];
  node_modules: "current";
  /**
   * The two bundles are the same code, byte for byte but for esbuild's module path comments
   * (a self-test such as --baseline=HEAD on a clean tree).
   */
  bundles_same_code: boolean;
}

export interface Services {
  urls: Record<Arm, string | null>;
  /** The processes serving each arm, for CPU per request. */
  pids: Record<Arm, number[]>;
  countedUrl: string;
  keys: BenchKeys;
  countedKeys: BenchKeys;
  /** The baseline arm's own accounts and keys (made through its own admin API). */
  baselineKeys: BenchKeys | null;
  baseline: BaselineInfo | null;
  notes: string[];
  versions: Record<string, string>;
}

export interface ServiceOptions {
  /** Serve workerd's V8 inspector on this loopback port (bench/profile.ts). */
  inspectorPort?: number;
  /** A git ref whose gateway bundle runs as the `baseline` arm. */
  baseline?: string | null;
}

/** The keys a scenario's request uses on an arm: the baseline has accounts of its own. */
export function keysFor(services: Services, arm: Arm): BenchKeys {
  if (arm !== "baseline") return services.keys;
  if (services.baselineKeys === null) throw new Error("no baseline arm in this run");
  return services.baselineKeys;
}

function shortHash(commit: string): string {
  return commit.slice(0, 7);
}

function baselineNotes(info: BaselineInfo): string[] {
  const tree = info.gateway_tree;
  return [
    `A/B: gateway = this working tree (HEAD ${shortHash(tree.head)}${tree.uncommitted.length > 0 ? ` + uncommitted ${tree.uncommitted.map((line) => line.slice(3)).join(", ")}` : ", no uncommitted changes to src/, wrangler.toml or package files"}); baseline = ${info.ref} = ${shortHash(info.commit)} "${info.subject}".`,
    `the baseline was bundled with the current node_modules (symlinked into its worktree); ${info.dependency_changes.length === 0 ? "its package.json asks for the same dependencies" : `its package.json asks for other dependencies, not installed: ${info.dependency_changes.join("; ")}`}.`,
    info.bundles_same_code
      ? "the two bundles are the same code (byte for byte, but for esbuild's module path comments)."
      : "the two bundles differ.",
  ];
}

export async function startServices(
  overloadAccounts: number,
  { inspectorPort, baseline = null }: ServiceOptions = {},
): Promise<Services> {
  await rm(WORK_DIR, { recursive: true, force: true });
  // BENCH_DO_DIR puts the Durable Objects' SQLite files elsewhere (e.g. a tmpfs), in a
  // subdirectory of its own: only that is emptied, never the directory given.
  const doStorageDir = process.env.BENCH_DO_DIR
    ? join(resolve(process.env.BENCH_DO_DIR), "edge-gateway-bench-do")
    : join(WORK_DIR, "do");
  await rm(doStorageDir, { recursive: true, force: true });
  await mkdir(doStorageDir, { recursive: true });
  await mkdir(WORK_DIR, { recursive: true });
  const [
    originPort,
    floor,
    envelope,
    passthrough,
    admittedFloor,
    gateway,
    counted,
    nginxPort,
    baselinePort,
  ] = await Promise.all(Array.from({ length: 9 }, () => freePort()));
  const ports = {
    floor: floor as number,
    envelope: envelope as number,
    passthrough: passthrough as number,
    admittedFloor: admittedFloor as number,
    gateway: gateway as number,
    counted: counted as number,
  };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const notes: string[] = [];

  progress(
    `building the gateway bundle (wrangler deploy --dry-run)${baseline === null ? "" : `, the baseline's (${baseline}, in a git worktree)`} and the bench Workers`,
  );
  const [origin, , , baselineBuild] = await Promise.all([
    forkWithMessage<{ url: string }>("origin", join(BENCH_DIR, "lib", "origin-process.ts"), {
      BENCH_ORIGIN_PORT: String(originPort),
      BENCH_GATEWAY_URL: url(ports.gateway),
      BENCH_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(baseline === null ? {} : { BENCH_BASELINE_URL: url(baselinePort as number) }),
    }),
    buildGatewayBundle(ROOT, WORK_DIR),
    buildBenchWorkers(BENCH_DIR, WORK_DIR),
    baseline === null
      ? null
      : buildBaseline(ROOT, baseline, join(BENCH_DIR, ".work", "baseline-worktree"), WORK_DIR),
  ]);
  const originUrl = origin.message.url;
  const compatibility = await readCompatibility(ROOT);
  let baselineInfo: BaselineInfo | null = null;
  if (baselineBuild !== null) {
    const [mine, theirs] = await Promise.all([
      readFile(join(WORK_DIR, "gateway-bundle.js"), "utf8"),
      readFile(join(WORK_DIR, BASELINE_BUNDLE), "utf8"),
    ]);
    baselineInfo = {
      ref: baselineBuild.ref,
      commit: baselineBuild.commit,
      subject: baselineBuild.subject,
      gateway_tree: await describeWorkingTree(ROOT),
      dependency_changes: baselineBuild.dependencyChanges,
      node_modules: "current",
      bundles_same_code: sameBundleCode(mine, theirs),
    };
    notes.push(...baselineNotes(baselineInfo));
  }

  const configPath = join(WORK_DIR, "workerd.capnp");
  await writeFile(
    configPath,
    workerdConfig({
      doStorageDir,
      ...compatibility,
      ports,
      vars: { ORIGIN_URL: originUrl, ADMIN_TOKEN: ADMIN_TOKEN, GATEWAY_POLICY: BENCH_POLICY },
      ...(baselineBuild === null
        ? {}
        : { baseline: { port: baselinePort as number, ...baselineBuild.compatibility } }),
    }),
  );
  const workerdBin = workerdBinary();
  const workerd = startLogged(
    "workerd",
    workerdBin,
    [
      "serve",
      configPath,
      ...(inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${inspectorPort}`]),
    ],
    join(WORK_DIR, "workerd.log"),
  );
  await waitForHttp(url(ports.floor), workerd, "workerd");
  await waitForHttp(`${url(ports.gateway)}/_gateway/health`, workerd, "workerd (gateway)");
  await waitForHttp(`${url(ports.counted)}/_gateway/health`, workerd, "workerd (counted)");
  const baselineUrl = baselineBuild === null ? null : url(baselinePort as number);
  if (baselineUrl !== null) {
    await waitForHttp(`${baselineUrl}/_gateway/health`, workerd, "workerd (baseline)");
  }

  const keys = await createBenchKeys(url(ports.gateway), ADMIN_TOKEN, overloadAccounts);
  const countedKeys = await createBenchKeys(url(ports.counted), ADMIN_TOKEN, 0);
  // The same accounts as the gateway's (tiers, scopes, a revoked key, one overload account per
  // timed run), under ids of their own; the counting pass has no baseline copy.
  const baselineKeys =
    baselineUrl === null
      ? null
      : await createBenchKeys(baselineUrl, ADMIN_TOKEN, overloadAccounts, BASELINE_ACCOUNT_PREFIX);

  const versions: Record<string, string> = {
    node: process.version,
    workerd: spawnSync(workerdBin, ["--version"], { encoding: "utf8" })
      .stdout.trim()
      .replace(/^workerd\s*/, ""),
    autocannon: await packageVersion("autocannon"),
    wrangler: await packageVersion("wrangler"),
  };

  let nginxUrl: string | null = null;
  let nginxPids: number[] = [];
  const nginx = findNginx();
  if (nginx === null) {
    notes.push("nginx is not installed (command -v nginx): the nginx arm was skipped.");
  } else {
    const prefixDir = join(WORK_DIR, "nginx");
    await mkdir(prefixDir, { recursive: true });
    const conf = join(prefixDir, "nginx.conf");
    await writeFile(
      conf,
      nginxConfig({
        prefixDir,
        port: nginxPort as number,
        originPort: Number(new URL(originUrl).port),
        keys,
      }),
    );
    const child = startLogged(
      "nginx",
      nginx,
      ["-p", prefixDir, "-c", conf, "-e", join(prefixDir, "error.log"), "-g", "daemon off;"],
      join(prefixDir, "stdout.log"),
    );
    try {
      await waitForHttp(url(nginxPort as number), child, "nginx", {
        status: 401,
        timeoutMs: 10_000,
      });
      nginxUrl = url(nginxPort as number);
      versions.nginx = nginxVersion(nginx);
      if (child.pid !== undefined) nginxPids = [child.pid, ...childPids(child.pid)];
    } catch (error) {
      notes.push(
        `nginx failed to start (${error instanceof Error ? error.message : String(error)}; see bench/.work/run/nginx/error.log): the nginx arm was skipped.`,
      );
      child.kill("SIGTERM");
    }
  }

  return {
    urls: {
      origin: originUrl,
      floor: url(ports.floor),
      envelope: url(ports.envelope),
      passthrough: url(ports.passthrough),
      "admitted-floor": url(ports.admittedFloor),
      gateway: url(ports.gateway),
      baseline: baselineUrl,
      nginx: nginxUrl,
    },
    pids: {
      origin: origin.child.pid === undefined ? [] : [origin.child.pid],
      floor: workerd.pid === undefined ? [] : [workerd.pid],
      envelope: workerd.pid === undefined ? [] : [workerd.pid],
      passthrough: workerd.pid === undefined ? [] : [workerd.pid],
      "admitted-floor": workerd.pid === undefined ? [] : [workerd.pid],
      gateway: workerd.pid === undefined ? [] : [workerd.pid],
      // The same process as the gateway's: arms run one at a time, so a run's CPU is its arm's.
      baseline: workerd.pid === undefined || baselineUrl === null ? [] : [workerd.pid],
      nginx: nginxPids,
    },
    countedUrl: url(ports.counted),
    keys,
    countedKeys,
    baselineKeys,
    baseline: baselineInfo,
    notes,
    versions,
  };
}
