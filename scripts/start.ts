// `npm start`: the bundled demo origin (unless ORIGIN_URL is set) plus the gateway under
// `wrangler dev`, then a demo account and key on first run. Before starting anything it checks
// the configuration (with the Worker's own parser) and the ports, one line per problem, exit 1.
// Ctrl+C or SIGTERM stops everything and exits 0.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AdminClient,
  createAdminClient,
  DEFAULT_ADMIN_TOKEN,
  describeAnswer,
  errorCode,
  networkReason,
} from "./admin-client.ts";
import { type DemoOrigin, startDemoOrigin } from "./demo-origin/index.ts";
import { displayPath, localState } from "./local-state.ts";
import {
  inspectorPort,
  type PortUse,
  portProblems,
  type WorkerVars,
  workerConfigProblems,
} from "./start-checks.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";
const DEMO_ACCOUNT = "demo";
const HEALTH_TIMEOUT_MS = 120_000;
/** How long wrangler gets to stop after the signal before it is killed. */
const FORCE_STOP_MS = 10_000;
const ORPHAN_CHECK_MS = 500;

class StartError extends Error {}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StartError(`${name}: must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}

/** The vars as the Worker gets them: `wrangler dev --var` is given the non-empty ones only. */
function nonEmpty(vars: WorkerVars): WorkerVars {
  return Object.fromEntries(
    Object.entries(vars).filter(([, value]) => value !== undefined && value !== ""),
  );
}

/** Environment read once: what the Worker gets as vars, where things listen and persist. */
function readSettings() {
  const gatewayPort = port("GATEWAY_PORT", 8787);
  const originPort = port("ORIGIN_PORT", 8788);
  const env = process.env;
  const adminToken = env.ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN;
  return {
    gatewayPort,
    originPort,
    startsDemoOrigin: !env.ORIGIN_URL,
    gatewayUrl: `http://${HOST}:${gatewayPort}`,
    adminToken,
    state: localState(),
    vars: nonEmpty({
      ORIGIN_URL: env.ORIGIN_URL || `http://${HOST}:${originPort}`,
      ADMIN_TOKEN: adminToken,
      ORIGIN_TIMEOUT_MS: env.ORIGIN_TIMEOUT_MS,
      ORIGIN_SIGNING_SECRET: env.ORIGIN_SIGNING_SECRET,
      GATEWAY_POLICY: env.GATEWAY_POLICY,
      MAINTENANCE: env.MAINTENANCE,
    }),
  };
}

type Settings = ReturnType<typeof readSettings>;

/** Everything that would stop the start, found before anything is started. */
async function startProblems(settings: Settings): Promise<string[]> {
  const ports: PortUse[] = [{ variable: "GATEWAY_PORT", port: settings.gatewayPort }];
  if (settings.startsDemoOrigin) ports.push({ variable: "ORIGIN_PORT", port: settings.originPort });
  return [...(await workerConfigProblems(settings.vars)), ...(await portProblems(ports, HOST))];
}

// Wrangler's own JS entry run by this Node: same runtime as this script, and no .cmd shim
// (which spawn cannot run without a shell on Windows) between us and the signals.
function wranglerEntry(): string {
  const require = createRequire(join(ROOT, "package.json"));
  const manifestPath = require.resolve("wrangler/package.json");
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin.wrangler;
  if (bin === undefined) throw new StartError("cannot find the wrangler binary in node_modules");
  return join(dirname(manifestPath), bin);
}

interface Wrangler {
  child: ChildProcess;
  /** Its exit code (1 when a signal ended it). */
  exited: Promise<number>;
}

function spawnWrangler(settings: Settings, devtoolsPort: number): Wrangler {
  const args = [
    wranglerEntry(),
    "dev",
    "--port",
    String(settings.gatewayPort),
    "--inspector-port",
    String(devtoolsPort),
    "--ip",
    HOST,
    "--persist-to",
    settings.state.persistDir,
    "--show-interactive-dev-session=false",
  ];
  for (const [name, value] of Object.entries(settings.vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      // Miniflare's supported switch for its `Request.cf` download from workers.cloudflare.com:
      // offline it printed two stack traces on every start, and the Worker never reads
      // `request.cf` (the placeholder values are as good). An explicit setting is kept.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    },
  });
  const exited = new Promise<number>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
  return { child, exited };
}

async function waitForHealth(gatewayUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  // A gateway that is up but answers non-200 several times in a row (an invalid
  // GATEWAY_POLICY, say) will not heal by waiting: report its answer instead of polling on.
  let failures = 0;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StartError("wrangler dev exited before the gateway became healthy");
    }
    let answer: { status: number; body: string } | undefined;
    try {
      const response = await fetch(`${gatewayUrl}/_gateway/health`, {
        signal: AbortSignal.timeout(2000),
      });
      answer = { status: response.status, body: await response.text() };
    } catch {
      // not listening yet
    }
    if (answer?.status === 200) return;
    if (answer !== undefined && ++failures >= 3) {
      throw new StartError(
        `${gatewayUrl}/_gateway/health answers HTTP ${answer.status}:\n${answer.body}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new StartError(`the gateway did not answer ${gatewayUrl}/_gateway/health in time`);
}

interface DemoKey {
  account_id: string;
  key_id: string;
  key: string;
}

async function readDemoKey(keyFile: string): Promise<DemoKey | undefined> {
  try {
    const parsed = JSON.parse(await readFile(keyFile, "utf8")) as Partial<DemoKey>;
    if (typeof parsed.key_id === "string" && typeof parsed.key === "string") {
      return {
        account_id: parsed.account_id ?? DEMO_ACCOUNT,
        key_id: parsed.key_id,
        key: parsed.key,
      };
    }
  } catch {
    // absent or unreadable: treated as a first run
  }
  return undefined;
}

/** True when the stored key still exists in the gateway (its state may have been wiped). */
async function demoKeyIsLive(admin: AdminClient, stored: DemoKey): Promise<boolean> {
  const answer = await admin.request("GET", `/keys/${encodeURIComponent(stored.key_id)}`);
  if (answer.status === 404) return false;
  if (!answer.ok) throw new StartError(`checking the demo key failed: ${describeAnswer(answer)}`);
  const body = answer.body as { revoked_at?: unknown };
  return body.revoked_at === undefined || body.revoked_at === null;
}

async function createDemoKey(admin: AdminClient, keyFile: string): Promise<DemoKey> {
  const account = await admin.request("POST", "/accounts", { id: DEMO_ACCOUNT, tier: "free" });
  if (!account.ok && errorCode(account) !== "duplicate_resource") {
    throw new StartError(`creating account "${DEMO_ACCOUNT}" failed: ${describeAnswer(account)}`);
  }
  const created = await admin.request("POST", "/keys", {
    account_id: DEMO_ACCOUNT,
    scopes: ["submissions:read", "submissions:write"],
    name: "demo",
  });
  const body = created.body as { id?: unknown; key?: unknown };
  if (!created.ok || typeof body.id !== "string" || typeof body.key !== "string") {
    throw new StartError(`creating the demo key failed: ${describeAnswer(created)}`);
  }
  const demoKey = { account_id: DEMO_ACCOUNT, key_id: body.id, key: body.key };
  await mkdir(dirname(keyFile), { recursive: true });
  await writeFile(keyFile, `${JSON.stringify(demoKey, null, 2)}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600); // writeFile's mode only applies when it creates the file
  return demoKey;
}

/**
 * Where the operator console is and what to sign in with. The default token is printed (it is
 * in the README anyway); a token of the developer's own is not echoed.
 */
function consoleLine(settings: Settings): string {
  const credential =
    settings.adminToken === DEFAULT_ADMIN_TOKEN
      ? `sign in with the admin token ${DEFAULT_ADMIN_TOKEN}`
      : "sign in with your ADMIN_TOKEN";
  return `Operator console: ${settings.gatewayUrl}/_gateway/console (${credential})`;
}

function printNewKey(settings: Settings, demoKey: DemoKey, keyFile: string): void {
  const { gatewayUrl } = settings;
  const auth = `-H "Authorization: Bearer ${demoKey.key}"`;
  const rule = "─".repeat(72);
  console.log(`
${rule}
 Gateway ready on ${gatewayUrl}

 Demo API key for account "${demoKey.account_id}" (saved to ${displayPath(keyFile)}, shown only now):

   ${demoKey.key}

 ${consoleLine(settings)}

 Create a submission:
   curl -sS -X POST ${gatewayUrl}/v1/submissions ${auth} \\
     -H "Content-Type: application/json" -d '{"name":"demo","num_generations":100,"num_genes":16}'

 List your submissions:
   curl -sS ${gatewayUrl}/v1/submissions ${auth}

 Get one (use the "id" from the create answer):
   curl -sS ${gatewayUrl}/v1/submissions/SUBMISSION_ID ${auth}
${rule}
`);
}

async function bootstrapDemoKey(settings: Settings): Promise<void> {
  const { gatewayUrl } = settings;
  const admin = createAdminClient(gatewayUrl, settings.adminToken);
  const keyFile = settings.state.demoKeyFile;
  const stored = await readDemoKey(keyFile);
  if (stored !== undefined && (await demoKeyIsLive(admin, stored))) {
    console.log(
      `\nGateway ready on ${gatewayUrl}. The demo key is in ${displayPath(keyFile)}.\n${consoleLine(settings)}\n`,
    );
    return;
  }
  if (stored !== undefined) {
    console.log(
      `\nThe key in ${displayPath(keyFile)} no longer exists (state reset); making a new one.`,
    );
  }
  printNewKey(settings, await createDemoKey(admin, keyFile), keyFile);
}

/** What is running, so that a stop signal ends it whenever it arrives, even mid-start. */
const running: { origin?: DemoOrigin; wrangler?: Wrangler; stopping: boolean } = {
  stopping: false,
};

async function stopEverything(signal: NodeJS.Signals): Promise<never> {
  const wrangler = running.wrangler;
  if (wrangler !== undefined) {
    const { child } = wrangler;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    setTimeout(() => child.kill("SIGKILL"), FORCE_STOP_MS).unref();
    await wrangler.exited; // wrangler shuts workerd down before it exits
  }
  await running.origin?.close().catch(() => undefined);
  process.exit(0);
}

/** wrangler ended without being asked to: nothing is served any more, so stop the rest. */
async function onWranglerExit(code: number): Promise<void> {
  if (running.stopping) return;
  running.stopping = true;
  console.error(`npm start: wrangler dev exited with code ${code}`);
  await running.origin?.close().catch(() => undefined);
  process.exit(code === 0 ? 1 : code);
}

function stop(signal: NodeJS.Signals): void {
  if (running.stopping) return;
  running.stopping = true;
  void stopEverything(signal);
}

/**
 * A parent gone is a stop too: a SIGTERM sent to `npm start` kills npm's shell, which does not
 * pass it on, and would leave this script and wrangler running with nobody to stop them.
 */
function stopWhenOrphaned(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop("SIGTERM");
  }, ORPHAN_CHECK_MS).unref();
}

async function main(): Promise<void> {
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  stopWhenOrphaned();

  const settings = readSettings();
  const problems = await startProblems(settings);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`npm start: ${problem}`);
    process.exit(1);
  }

  if (settings.startsDemoOrigin) {
    try {
      running.origin = await startDemoOrigin({
        port: settings.originPort,
        host: HOST,
        gatewayUrl: settings.gatewayUrl,
        adminToken: settings.adminToken,
      });
    } catch (error) {
      throw new StartError(
        `cannot start the demo origin on port ${settings.originPort}: ${networkReason(error)}`,
      );
    }
    console.log(`demo origin listening on ${running.origin.url}`);
  } else {
    console.log(`proxying to ORIGIN_URL=${settings.vars.ORIGIN_URL} (demo origin not started)`);
  }

  if (running.stopping) return; // a signal arrived while the origin started
  const wrangler = spawnWrangler(settings, await inspectorPort(HOST));
  running.wrangler = wrangler;
  void wrangler.exited.then(onWranglerExit);

  try {
    await waitForHealth(settings.gatewayUrl, wrangler.child);
    await bootstrapDemoKey(settings);
  } catch (error) {
    if (running.stopping) return;
    const message =
      error instanceof StartError
        ? error.message
        : `admin API unreachable: ${networkReason(error)}`;
    console.error(`\nnpm start: ${message}`);
    console.error("The gateway keeps running; fix the problem or press Ctrl+C to stop.\n");
  }
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
