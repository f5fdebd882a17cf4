// `npm start`: the bundled demo origin (unless ORIGIN_URL is set) plus the gateway under
// `wrangler dev`, then a demo account and key on first run. Ctrl+C stops everything.
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

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEMO_KEY_FILE = join(ROOT, ".wrangler", "demo-key.json");
const DEMO_KEY_DISPLAY = ".wrangler/demo-key.json";
const DEMO_ACCOUNT = "demo";
const HEALTH_TIMEOUT_MS = 120_000;

class StartError extends Error {}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StartError(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}

/** Environment read once: what the Worker gets as vars, and where things listen. */
function readConfig() {
  const gatewayPort = port("GATEWAY_PORT", 8787);
  const originPort = port("ORIGIN_PORT", 8788);
  const env = process.env;
  return {
    gatewayPort,
    originPort,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    externalOriginUrl: env.ORIGIN_URL || undefined,
    adminToken: env.ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN,
    /** Passed to the Worker only when set, so its own defaults apply otherwise. */
    optionalVars: {
      ORIGIN_TIMEOUT_MS: env.ORIGIN_TIMEOUT_MS,
      ORIGIN_SIGNING_SECRET: env.ORIGIN_SIGNING_SECRET,
      GATEWAY_POLICY: env.GATEWAY_POLICY,
      MAINTENANCE: env.MAINTENANCE,
    },
  };
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

function spawnWrangler(gatewayPort: number, vars: Record<string, string | undefined>) {
  const args = [
    wranglerEntry(),
    "dev",
    "--port",
    String(gatewayPort),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    ".wrangler/state",
    "--show-interactive-dev-session=false",
  ];
  for (const [name, value] of Object.entries(vars)) {
    if (value !== undefined && value !== "") args.push("--var", `${name}:${value}`);
  }
  return spawn(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
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

async function readDemoKey(): Promise<DemoKey | undefined> {
  try {
    const parsed = JSON.parse(await readFile(DEMO_KEY_FILE, "utf8")) as Partial<DemoKey>;
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

async function createDemoKey(admin: AdminClient): Promise<DemoKey> {
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
  await mkdir(dirname(DEMO_KEY_FILE), { recursive: true });
  await writeFile(DEMO_KEY_FILE, `${JSON.stringify(demoKey, null, 2)}\n`, { mode: 0o600 });
  await chmod(DEMO_KEY_FILE, 0o600); // writeFile's mode only applies when it creates the file
  return demoKey;
}

function printNewKey(gatewayUrl: string, demoKey: DemoKey): void {
  const auth = `-H "Authorization: Bearer ${demoKey.key}"`;
  const rule = "─".repeat(72);
  console.log(`
${rule}
 Gateway ready on ${gatewayUrl}

 Demo API key for account "${demoKey.account_id}" (saved to ${DEMO_KEY_DISPLAY}, shown only now):

   ${demoKey.key}

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

async function bootstrapDemoKey(gatewayUrl: string, adminToken: string): Promise<void> {
  const admin = createAdminClient(gatewayUrl, adminToken);
  const stored = await readDemoKey();
  if (stored !== undefined && (await demoKeyIsLive(admin, stored))) {
    console.log(`\nGateway ready on ${gatewayUrl}. The demo key is in ${DEMO_KEY_DISPLAY}.\n`);
    return;
  }
  if (stored !== undefined) {
    console.log(
      `\nThe key in ${DEMO_KEY_DISPLAY} no longer exists (state reset); making a new one.`,
    );
  }
  printNewKey(gatewayUrl, await createDemoKey(admin));
}

async function main(): Promise<void> {
  const config = readConfig();
  let origin: DemoOrigin | undefined;
  let originUrl = config.externalOriginUrl;
  if (originUrl === undefined) {
    try {
      origin = await startDemoOrigin({
        port: config.originPort,
        host: "127.0.0.1",
        gatewayUrl: config.gatewayUrl,
        adminToken: config.adminToken,
      });
    } catch (error) {
      throw new StartError(
        `cannot start the demo origin on port ${config.originPort}: ${networkReason(error)}`,
      );
    }
    originUrl = origin.url;
    console.log(`demo origin listening on ${originUrl}`);
  } else {
    console.log(`proxying to ORIGIN_URL=${originUrl} (demo origin not started)`);
  }

  const child = spawnWrangler(config.gatewayPort, {
    ORIGIN_URL: originUrl,
    ADMIN_TOKEN: config.adminToken,
    ...config.optionalVars,
  });

  let stopping = false;
  const exited = new Promise<number>((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });

  async function stop(code: number): Promise<never> {
    stopping = true;
    await origin?.close().catch(() => undefined);
    process.exit(code);
  }

  // Forward the signal and wait for wrangler to shut workerd down; force it after 10 s.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
      force.unref();
      void exited.then(() => stop(0));
    });
  }
  void exited.then((code) => {
    if (stopping) return;
    console.error(`wrangler dev exited with code ${code}`);
    void stop(code === 0 ? 1 : code);
  });

  try {
    await waitForHealth(config.gatewayUrl, child);
    await bootstrapDemoKey(config.gatewayUrl, config.adminToken);
  } catch (error) {
    if (stopping) return;
    const message =
      error instanceof StartError
        ? error.message
        : `admin API unreachable: ${networkReason(error)}`;
    console.error(`\nstart: ${message}`);
    console.error("The gateway keeps running; fix the problem or press Ctrl+C to stop.\n");
  }
}

main().catch((error: unknown) => {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
