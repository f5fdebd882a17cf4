// Imports the Worker's own TypeScript from src/ into Node, so a script can run the very code the
// Worker runs (the configuration parser). src/ is written for wrangler's bundler, not for Node:
// its relative imports have no extension, and it uses TypeScript that Node's type stripping
// rejects (parameter properties). So, for files under src/ only, imports are resolved the way
// the bundler does and the source is compiled by the project's own TypeScript.
import { readFileSync, statSync } from "node:fs";
import { registerHooks } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const SRC_URL = pathToFileURL(`${resolve(import.meta.dirname, "..", "src")}/`).href;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  verbatimModuleSyntax: true,
};

function isFile(url: URL): boolean {
  return statSync(url, { throwIfNoEntry: false })?.isFile() ?? false;
}

let hooksRegistered = false;

function registerSrcHooks(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parent = context.parentURL;
      if (parent?.startsWith(SRC_URL) && /^\.\.?\//.test(specifier)) {
        for (const candidate of [specifier, `${specifier}.ts`, `${specifier}/index.ts`]) {
          const url = new URL(candidate, parent);
          if (isFile(url)) return nextResolve(url.href, context);
        }
      }
      return nextResolve(specifier, context);
    },
    load(url, context, nextLoad) {
      if (!url.startsWith(SRC_URL) || !url.endsWith(".ts")) return nextLoad(url, context);
      const source = readFileSync(new URL(url), "utf8");
      const { outputText } = ts.transpileModule(source, {
        fileName: fileURLToPath(url),
        compilerOptions: COMPILER_OPTIONS,
      });
      return { format: "module", source: outputText, shortCircuit: true };
    },
  });
}

/** The exports of a module of src/, e.g. `importWorkerModule("config/config.ts")`. */
export async function importWorkerModule(pathInSrc: string): Promise<Record<string, unknown>> {
  registerSrcHooks();
  // A computed specifier on purpose: src/ is type checked by its own tsconfig (bundler
  // resolution); pulling it into the scripts' NodeNext program would fail on its imports.
  const exports: Record<string, unknown> = await import(new URL(pathInSrc, SRC_URL).href);
  return exports;
}
