// A gateway started the way a newcomer starts it: `npm start` (scripts/start.ts: the demo
// origin and `wrangler dev`), on free ports, with a state directory of its own and the
// newcomer's environment (no NODE_ENV=test, under which miniflare would skip the Request.cf
// download that start.ts has to switch off itself). Used by the browser tests' global setup
// and by the screenshot script.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../e2e/support/wrangler-gateway.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/** Settings of the developer's shell that would change what npm start does. */
const CLEARED = [
  "ORIGIN_URL",
  "ADMIN_TOKEN",
  "ORIGIN_TIMEOUT_MS",
  "ORIGIN_SIGNING_SECRET",
  "GATEWAY_POLICY",
  "MAINTENANCE",
  "CLOUDFLARE_CF_FETCH_ENABLED",
  "NODE_ENV",
  "VITEST",
];

export interface StartedGateway {
  url: string;
  adminToken: string;
  /** What npm start printed up to and including its ready banner. */
  output: string;
  stop(): Promise<void>;
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

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || !groupAlive(child)) return;
  const exited = new Promise((done) => child.once("exit", done));
  process.kill(-child.pid, "SIGTERM");
  const force = setTimeout(() => {
    if (child.pid !== undefined && groupAlive(child)) process.kill(-child.pid, "SIGKILL");
  }, STOP_TIMEOUT_MS);
  if (child.exitCode === null && child.signalCode === null) await exited;
  clearTimeout(force);
}

export async function startGatewayWithNpmStart(adminToken: string): Promise<StartedGateway> {
  const stateDir = await mkdtemp(join(tmpdir(), "console-gateway-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CLEARED) delete env[name];
  const gatewayPort = await freePort();
  Object.assign(env, {
    GATEWAY_PORT: String(gatewayPort),
    ORIGIN_PORT: String(await freePort()),
    GATEWAY_STATE_DIR: stateDir,
    ADMIN_TOKEN: adminToken,
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
  });
  const child = spawn(process.execPath, [join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // a process group of its own, stopped whole
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = async () => {
    await stopGroup(child);
    await rm(stateDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  // The banner is printed in one write, and the console's line is in it.
  while (!/Operator console: \S+/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not get ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `http://127.0.0.1:${gatewayPort}`, adminToken, output, stop };
}
