// Pins what `npm start` (scripts/start.ts) and `npm run reset` (scripts/reset.ts) tell a newcomer:
// one line per problem, exit 1, and nothing started; a clean stop on Ctrl+C and SIGTERM; a reset
// that deletes only when told to. Real processes, as `npm start` runs them.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "./support/wrangler-gateway.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** Longer than any check takes; reached only if the script went on to start things. */
const CHECK_EXIT_TIMEOUT_MS = 20_000;
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

/** Everything that configures the gateway or wrangler, so the developer's shell cannot leak in. */
const INHERITED_SETTINGS = [
  "ORIGIN_URL",
  "ADMIN_TOKEN",
  "ORIGIN_TIMEOUT_MS",
  "ORIGIN_SIGNING_SECRET",
  "GATEWAY_POLICY",
  "MAINTENANCE",
  "GATEWAY_PORT",
  "ORIGIN_PORT",
  "GATEWAY_STATE_DIR",
  "CLOUDFLARE_CF_FETCH_ENABLED",
  // Miniflare skips the `Request.cf` download under NODE_ENV=test, which vitest sets: without
  // this the test of the silenced download would pass whatever start.ts does.
  "NODE_ENV",
];

function scriptEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  for (const name of INHERITED_SETTINGS) delete env[name];
  return { ...env, ...settings };
}

interface Spawned {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the Node that runs the tests with `args`, in a process group of its own. */
function spawnNode(args: string[], settings: Record<string, string>): Spawned {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: scriptEnv(settings),
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // a group of its own: signalled as a terminal would, killed whole if need be
  });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once("exit", (code, signal) => done({ code, signal }));
  });
  spawned.push(child);
  return { child, output, exited };
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined && groupAlive(child)) process.kill(-child.pid, "SIGKILL");
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Runs a script to its end; a script that does not end in time is killed (and fails). */
async function runScript(
  script: string,
  args: string[],
  settings: Record<string, string>,
  stdin = "",
) {
  const started = Date.now();
  const { child, output, exited } = spawnNode([join(ROOT, script), ...args], settings);
  child.stdin?.end(stdin);
  const timer = setTimeout(() => killGroup(child), CHECK_EXIT_TIMEOUT_MS);
  const { code, signal } = await exited;
  clearTimeout(timer);
  return { code, signal, ...output, ms: Date.now() - started };
}

const spawned: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const child of spawned.splice(0)) killGroup(child);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function temporaryDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "start-script-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A port some other program holds for the duration of the test. */
async function takenPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function canListen(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((done) => {
    probe.once("error", () => done(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => done(true)));
  });
}

/** Free ports and an unused state directory: whatever the script does, it touches nothing real. */
async function isolatedStart(settings: Record<string, string> = {}) {
  const stateDir = join(await temporaryDir(), "state-home");
  return {
    stateDir,
    env: {
      GATEWAY_PORT: String(await freePort()),
      ORIGIN_PORT: String(await freePort()),
      GATEWAY_STATE_DIR: stateDir,
      ...settings,
    },
  };
}

describe("npm start reports a bad configuration in one line, before starting anything", () => {
  it.each([
    [
      "GATEWAY_POLICY",
      '{"tiers":{"free":{"per_minute":-1}}}',
      "GATEWAY_POLICY.tiers.free.per_minute: must be a positive integer",
    ],
    ["GATEWAY_POLICY", "{not json", "GATEWAY_POLICY: is not valid JSON"],
    ["ORIGIN_TIMEOUT_MS", "soon", "ORIGIN_TIMEOUT_MS: must be an integer from 1 to 600000"],
    ["MAINTENANCE", "yes", 'MAINTENANCE: must be "true" or "false"'],
    ["ORIGIN_URL", "ftp://origin.internal", "ORIGIN_URL: must be an absolute http(s) URL"],
    ["GATEWAY_PORT", "http", 'GATEWAY_PORT: must be a port number (1-65535), got "http"'],
  ])("%s=%s", async (variable, value, message) => {
    const { stateDir, env } = await isolatedStart({ [variable]: value });
    const result = await runScript("scripts/start.ts", [], env);
    expect(result.stderr).toBe(`npm start: ${message}\n`);
    expect(result.code).toBe(1);
    // Neither the demo origin nor wrangler printed a word or made its state directory.
    expect(result.stdout).toBe("");
    expect(existsSync(stateDir)).toBe(false);
    expect(result.ms).toBeLessThan(10_000);
  });
});

describe("npm start reports a busy port in one line, naming the variable to change", () => {
  it("GATEWAY_PORT", async () => {
    const busy = await takenPort();
    const { stateDir, env } = await isolatedStart({ GATEWAY_PORT: String(busy) });
    const result = await runScript("scripts/start.ts", [], env);
    expect(result.stderr).toBe(
      `npm start: port ${busy} is in use; set GATEWAY_PORT to another port\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(existsSync(stateDir)).toBe(false);
  });

  it("ORIGIN_PORT, when the demo origin is to be started", async () => {
    const busy = await takenPort();
    const { stateDir, env } = await isolatedStart({ ORIGIN_PORT: String(busy) });
    const result = await runScript("scripts/start.ts", [], env);
    expect(result.stderr).toBe(
      `npm start: port ${busy} is in use; set ORIGIN_PORT to another port\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(existsSync(stateDir)).toBe(false);
  });

  it("not ORIGIN_PORT when ORIGIN_URL is set (no demo origin)", async () => {
    const busyGateway = await takenPort();
    const busyOrigin = await takenPort();
    const { env } = await isolatedStart({
      GATEWAY_PORT: String(busyGateway),
      ORIGIN_PORT: String(busyOrigin),
      ORIGIN_URL: "http://127.0.0.1:9",
    });
    const result = await runScript("scripts/start.ts", [], env);
    expect(result.stderr).toBe(
      `npm start: port ${busyGateway} is in use; set GATEWAY_PORT to another port\n`,
    );
    expect(result.code).toBe(1);
  });

  it("both ports set to the same number", async () => {
    const port = String(await freePort());
    const { env } = await isolatedStart({ GATEWAY_PORT: port, ORIGIN_PORT: port });
    const result = await runScript("scripts/start.ts", [], env);
    expect(result.stderr).toBe(
      `npm start: GATEWAY_PORT and ORIGIN_PORT are both ${port}; set one of them to another port\n`,
    );
    expect(result.code).toBe(1);
  });
});

describe("npm start stops the demo origin and wrangler together", () => {
  const START_SCRIPT = join(ROOT, "scripts/start.ts");
  const TEST_TIMEOUT_MS = READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 20_000;

  /** Starts a gateway (in a temporary state directory) through `args`, until it is ready. */
  async function startReady(args: string[]) {
    const { stateDir, env } = await isolatedStart();
    const started = spawnNode(args, env);
    const all = () => started.output.stdout + started.output.stderr;
    const ready = await waitFor(
      () => all().includes("Gateway ready") || started.child.exitCode !== null,
      READY_TIMEOUT_MS,
    );
    expect(ready && all().includes("Gateway ready"), all()).toBe(true);
    // The offline `Request.cf` download is switched off, so its stack traces are gone.
    expect(all()).not.toContain("workers.cloudflare.com");
    expect(all()).not.toContain("Request.cf");
    expect(existsSync(join(stateDir, "demo-key.json"))).toBe(true);
    return { ...started, env };
  }

  /** Nothing is left: the group empties (the last exits take a moment to be reaped) and both
   * ports can be listened on again. */
  async function expectAllGone(child: ChildProcess, env: Record<string, string>) {
    expect(await waitFor(() => !groupAlive(child), STOP_TIMEOUT_MS)).toBe(true);
    expect(await canListen(Number(env.GATEWAY_PORT))).toBe(true);
    expect(await canListen(Number(env.ORIGIN_PORT))).toBe(true);
  }

  // Ctrl+C reaches the whole foreground process group; a process manager signals the script.
  it.each([
    ["on Ctrl+C (SIGINT to the process group), exit 0", "SIGINT", "group"],
    ["on SIGTERM to the start script alone, exit 0", "SIGTERM", "script"],
  ] as const)(
    "%s",
    async (_name, signal, target) => {
      const { child, exited, env } = await startReady([START_SCRIPT]);
      if (child.pid === undefined) throw new Error("no pid");
      if (target === "group") process.kill(-child.pid, signal);
      else child.kill(signal);
      const stopped = await Promise.race([
        exited,
        new Promise<"timeout">((done) => setTimeout(() => done("timeout"), STOP_TIMEOUT_MS)),
      ]);
      expect(stopped).toEqual({ code: 0, signal: null });
      await expectAllGone(child, env);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "when its parent dies without passing the signal on (npm's shell, on a SIGTERM to npm)",
    async () => {
      const launcher = `require("node:child_process").spawn(process.execPath, [${JSON.stringify(START_SCRIPT)}], { stdio: "inherit" });`;
      const { child, exited, env } = await startReady(["-e", launcher]);
      child.kill("SIGKILL");
      await exited;
      await expectAllGone(child, env);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("npm run reset", () => {
  async function stateWithUnrelatedFile() {
    const dir = await temporaryDir();
    await mkdir(join(dir, "state", "v3", "do"), { recursive: true });
    await writeFile(join(dir, "state", "v3", "do", "accounts.sqlite"), "objects");
    await writeFile(join(dir, "demo-key.json"), '{"key":"gk_x"}\n');
    await writeFile(join(dir, "unrelated.txt"), "kept");
    return dir;
  }

  it("with --yes deletes the state and the demo key, and nothing else", async () => {
    const dir = await stateWithUnrelatedFile();
    const result = await runScript("scripts/reset.ts", ["--yes"], { GATEWAY_STATE_DIR: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `npm run reset: deleted ${join(dir, "state")} and ${join(dir, "demo-key.json")}\n`,
    );
    expect(existsSync(join(dir, "state"))).toBe(false);
    expect(existsSync(join(dir, "demo-key.json"))).toBe(false);
    expect(existsSync(join(dir, "unrelated.txt"))).toBe(true);
  });

  it("without --yes and without a terminal refuses and deletes nothing, even given a yes", async () => {
    const dir = await stateWithUnrelatedFile();
    const result = await runScript("scripts/reset.ts", [], { GATEWAY_STATE_DIR: dir }, "y\n");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `npm run reset: stdin is not a terminal, so it cannot ask before deleting ${join(dir, "state")} and ${join(dir, "demo-key.json")}; run "npm run reset -- --yes" to delete without asking\n`,
    );
    expect(existsSync(join(dir, "state", "v3", "do", "accounts.sqlite"))).toBe(true);
    expect(existsSync(join(dir, "demo-key.json"))).toBe(true);
  });

  it("refuses an unknown argument and deletes nothing", async () => {
    const dir = await stateWithUnrelatedFile();
    const result = await runScript("scripts/reset.ts", ["--force"], { GATEWAY_STATE_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'npm run reset: unknown argument "--force"; usage: npm run reset [-- --yes]\n',
    );
    expect(existsSync(join(dir, "demo-key.json"))).toBe(true);
  });

  it("says so when there is nothing to delete", async () => {
    const dir = await temporaryDir();
    const result = await runScript("scripts/reset.ts", ["--yes"], { GATEWAY_STATE_DIR: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `npm run reset: nothing to delete (no ${join(dir, "state")}, no ${join(dir, "demo-key.json")})\n`,
    );
  });
});
