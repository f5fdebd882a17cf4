// Where `npm start` keeps its local accounts, keys and objects, and what `npm run reset` wipes.
// GATEWAY_STATE_DIR moves it (tests use a temporary directory); the default is .wrangler.
import { isAbsolute, join, relative, resolve } from "node:path";

export const STATE_DIR_VARIABLE = "GATEWAY_STATE_DIR";

const ROOT = resolve(import.meta.dirname, "..");

export interface LocalState {
  /** `wrangler dev --persist-to`: KV and the Durable Objects (accounts, keys, usage). */
  persistDir: string;
  /** The demo key `npm start` creates on its first run. */
  demoKeyFile: string;
}

export function localState(dir = process.env[STATE_DIR_VARIABLE]): LocalState {
  const base = dir === undefined || dir === "" ? join(ROOT, ".wrangler") : resolve(dir);
  return { persistDir: join(base, "state"), demoKeyFile: join(base, "demo-key.json") };
}

/** A path as a user would type it: relative to the project when it is inside it. */
export function displayPath(path: string): string {
  const inProject = relative(ROOT, path);
  return inProject === "" || inProject.startsWith("..") || isAbsolute(inProject) ? path : inProject;
}
