// Builds what workerd runs: the gateway's production bundle (exactly what `wrangler deploy`
// would upload, via `wrangler deploy --dry-run`; also of a baseline commit's worktree, see
// baseline.ts) and the bench's own small Workers (bench/workers, TypeScript transpiled to ES
// modules), all written into the run's work directory.
import { spawn } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import ts from "typescript";

export const BENCH_WORKERS = [
  "floor",
  "envelope",
  "passthrough",
  "admitted-floor",
  "kv-memory",
  "gateway-counted",
] as const;

export interface CompatibilitySettings {
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** The Durable Object bindings its wrangler.toml declares (a commit may have fewer). */
  durableObjects: { name: string; className: string }[];
}

/** Each `[[durable_objects.bindings]]` block's `name` and `class_name`. */
function durableObjectBindings(toml: string): { name: string; className: string }[] {
  return toml
    .split(/^\[\[durable_objects\.bindings\]\]\s*$/m)
    .slice(1)
    .map((block) => block.split(/^\[/m)[0] ?? "")
    .map((block) => ({
      name: /^\s*name\s*=\s*"([^"]+)"/m.exec(block)?.[1] ?? "",
      className: /^\s*class_name\s*=\s*"([^"]+)"/m.exec(block)?.[1] ?? "",
    }))
    .filter((binding) => binding.name !== "" && binding.className !== "");
}

/**
 * compatibility_date, compatibility_flags and the Durable Object bindings from wrangler.toml,
 * so every arm runs the same as its commit deploys.
 */
export async function readCompatibility(root: string): Promise<CompatibilitySettings> {
  const toml = await readFile(join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  if (date === undefined) throw new Error("wrangler.toml has no compatibility_date");
  return {
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string),
    durableObjects: durableObjectBindings(toml),
  };
}

function wranglerEntry(root: string): string {
  const require = createRequire(join(root, "package.json"));
  const manifestPath = require.resolve("wrangler/package.json");
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin.wrangler;
  if (bin === undefined) throw new Error("cannot find the wrangler binary in node_modules");
  return join(dirname(manifestPath), bin);
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

/**
 * `wrangler deploy --dry-run` of the wrangler.toml and sources in `root` (the project, or a
 * baseline's worktree); the bundle lands in workDir as `bundleFile`.
 */
export async function buildGatewayBundle(
  root: string,
  workDir: string,
  bundleFile = "gateway-bundle.js",
): Promise<void> {
  // One output directory per bundle: the gateway's and the baseline's are built at once.
  const outDir = join(workDir, `wrangler-out-${bundleFile.replace(/\.js$/, "")}`);
  await run(
    process.execPath,
    [wranglerEntry(root), "deploy", "--dry-run", "--outdir", outDir],
    root,
  );
  await copyFile(join(outDir, "index.js"), join(workDir, bundleFile));
}

/** bench/workers/*.ts to ES modules (types erased, nothing else changed). */
export async function buildBenchWorkers(benchDir: string, workDir: string): Promise<void> {
  for (const name of BENCH_WORKERS) {
    const source = await readFile(join(benchDir, "workers", `${name}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
      },
      fileName: `${name}.ts`,
    });
    await writeFile(join(workDir, `${name}.js`), outputText);
  }
}
