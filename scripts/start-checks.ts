// What `npm start` checks before it starts anything, so a newcomer gets one line saying what to
// change instead of wrangler's output. Each check returns its problems as such lines.
import { createServer } from "node:net";
import { importWorkerModule } from "./worker-source.ts";

/** The variables the Worker reads (src/config/config.ts `GatewayVars`), as it gets them. */
export type WorkerVars = Partial<
  Record<
    | "ORIGIN_URL"
    | "ADMIN_TOKEN"
    | "ORIGIN_TIMEOUT_MS"
    | "ORIGIN_SIGNING_SECRET"
    | "GATEWAY_POLICY"
    | "MAINTENANCE",
    string
  >
>;

/**
 * Runs the Worker's own parser (the one it runs when it starts) on the vars it will get. Its
 * error names the variable and the field, e.g. `GATEWAY_POLICY.tiers.free.per_minute: must be
 * a positive integer`.
 */
export async function workerConfigProblems(vars: WorkerVars): Promise<string[]> {
  const { parseConfig } = await importWorkerModule("config/config.ts");
  if (typeof parseConfig !== "function") {
    throw new Error("src/config/config.ts no longer exports parseConfig (scripts/start-checks.ts)");
  }
  try {
    parseConfig(vars);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/** A port `npm start` will listen on, and the variable that sets it. */
export interface PortUse {
  variable: string;
  port: number;
}

/** Undefined when the port can be listened on, else the error code (EADDRINUSE, EACCES...). */
function listenError(port: number, host: string): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => done(undefined)));
  });
}

/** Every port must be distinct and free on `host`: the one line for each that is not. */
export async function portProblems(uses: readonly PortUse[], host: string): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const { variable, port } of uses) {
    const other = seen.get(port);
    if (other !== undefined) {
      problems.push(`${other} and ${variable} are both ${port}; set one of them to another port`);
      continue;
    }
    seen.set(port, variable);
    const code = await listenError(port, host);
    if (code === "EADDRINUSE") {
      problems.push(`port ${port} is in use; set ${variable} to another port`);
    } else if (code !== undefined) {
      problems.push(`port ${port} cannot be opened (${code}); set ${variable} to another port`);
    }
  }
  return problems;
}

/** wrangler dev's default devtools port. */
export const DEFAULT_INSPECTOR_PORT = 9229;

/**
 * The devtools port for wrangler dev: its default when free, else any free port, so a second
 * gateway (another checkout, a test run) starts instead of failing on "address in use".
 */
export async function inspectorPort(host: string): Promise<number> {
  if ((await listenError(DEFAULT_INSPECTOR_PORT, host)) === undefined)
    return DEFAULT_INSPECTOR_PORT;
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}
