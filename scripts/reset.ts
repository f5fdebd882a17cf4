// `npm run reset`: deletes what `npm start` keeps locally (accounts, keys, usage and the demo
// key), after a y/N question on a terminal or at once with --yes. Without a terminal and without
// --yes it refuses, so nothing is deleted by a script that did not say so.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { displayPath, localState } from "./local-state.ts";

const NAME = "npm run reset";

/** `--yes` (or `-y`): delete without asking. Anything else is a mistake worth a word. */
function deletesWithoutAsking(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg !== "--yes" && arg !== "-y") {
      throw new Error(`unknown argument "${arg}"; usage: ${NAME} [-- --yes]`);
    }
  }
  return argv.length > 0;
}

/** True when the user answers y or yes; Ctrl+C or anything else is a no. */
async function confirmed(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  const interrupted = new Promise<string>((resolve) => terminal.once("SIGINT", () => resolve("")));
  try {
    const answer = await Promise.race([terminal.question(question), interrupted]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}

async function main(): Promise<void> {
  const withoutAsking = deletesWithoutAsking(process.argv.slice(2));
  const state = localState();
  const targets = [state.persistDir, state.demoKeyFile].filter((path) => existsSync(path));
  if (targets.length === 0) {
    console.log(
      `${NAME}: nothing to delete (no ${displayPath(state.persistDir)}, no ${displayPath(state.demoKeyFile)})`,
    );
    return;
  }
  const listed = targets.map(displayPath).join(" and ");
  if (!withoutAsking) {
    if (!process.stdin.isTTY) {
      throw new Error(
        `stdin is not a terminal, so it cannot ask before deleting ${listed}; run "${NAME} -- --yes" to delete without asking`,
      );
    }
    const question = `Delete the local accounts, keys and objects in ${listed}? (stop npm start first) [y/N] `;
    if (!(await confirmed(question))) {
      console.log("Nothing deleted.");
      return;
    }
  }
  for (const target of targets) await rm(target, { recursive: true, force: true });
  console.log(`${NAME}: deleted ${listed}`);
}

main().catch((error: unknown) => {
  console.error(`${NAME}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
