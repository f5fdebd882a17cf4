// Every process the benchmark starts goes through here, so each one is stopped at the end (by
// its own pid, never by name), also when the run fails or is interrupted.
import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import { openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const children = new Set<ChildProcess>();

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Stops every started process: SIGTERM, then SIGKILL for any still running after a grace. */
export async function stopAll(graceMs = 3000): Promise<void> {
  const running = [...children].filter(alive);
  for (const child of running) child.kill("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (running.some(alive) && Date.now() < deadline) await sleep(50);
  for (const child of running) if (alive(child)) child.kill("SIGKILL");
  children.clear();
}

// Last resort if the run dies without reaching stopAll (exit handlers must be synchronous).
process.once("exit", () => {
  for (const child of children) if (alive(child)) child.kill("SIGKILL");
});

function track(child: ChildProcess, name: string): ChildProcess {
  children.add(child);
  child.once("error", (error) => console.error(`bench: ${name}: ${error.message}`));
  return child;
}

/** A program whose output goes to a log file in the work directory. */
export function startLogged(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
): ChildProcess {
  const out = openSync(logFile, "a");
  return track(spawn(command, args, { stdio: ["ignore", out, out] }), name);
}

/** A Node module in its own process; resolves with the first IPC message it sends. */
export async function forkWithMessage<T>(
  name: string,
  modulePath: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ child: ChildProcess; message: T }> {
  const child = track(
    fork(modulePath, [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
    name,
  );
  const message = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time`)), timeoutMs);
    child.once("message", (value) => {
      clearTimeout(timer);
      resolve(value as T);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready`));
    });
  });
  return { child, message };
}

/** A free loopback TCP port (asked of the OS, then released for the server to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers `status`; fails early if `child` exits meanwhile. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  name: string,
  { status = 200, timeoutMs = 30_000, headers = {} as Record<string, string> } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (!alive(child)) throw new Error(`${name} exited (code ${child.exitCode}) while starting`);
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === status) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${name} did not answer ${url} with ${status} in time (${last})`);
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const answer = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const value = Number(answer.stdout.trim());
    ticksPerSecond = answer.status === 0 && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** utime + stime of a process in seconds, from /proc (Linux); null elsewhere or when gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** CPU seconds of several processes together; null when any cannot be read. */
export function totalCpuSeconds(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const seconds = cpuSeconds(pid);
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}

/** Direct children of a process, from /proc (nginx's workers); empty elsewhere. */
export function childPids(parent: number): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, "utf8");
          return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}
