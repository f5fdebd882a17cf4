// `--baseline=<git ref>`: the gateway bundle of another commit, built exactly as the current one
// (`wrangler deploy --dry-run` of that commit's own wrangler.toml and sources) in a temporary
// `git worktree` under bench/.work. The worktree gets the project's node_modules by a symlink
// (a commit's tree has none, and installing per run would take minutes and the network), so the
// baseline is bundled with the current dependencies; where its package.json asks for others, the
// run says so. The worktree is removed as soon as the bundle is copied out, also on failure and
// on Ctrl+C; it is the one change to git's state a run makes.
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { dependencyChanges, type Manifest } from "./baseline-diff.ts";
import { buildGatewayBundle, type CompatibilitySettings, readCompatibility } from "./build.ts";

const execFileAsync = promisify(execFile);

export const BASELINE_BUNDLE = "baseline-bundle.js";

export interface BaselineBuild {
  /** The ref as given on the command line. */
  ref: string;
  /** What it resolved to when the run started. */
  commit: string;
  subject: string;
  compatibility: CompatibilitySettings;
  /** `name: current -> baseline` where the baseline's package.json differs (built with current). */
  dependencyChanges: string[];
}

export interface WorkingTree {
  /** HEAD of the working tree the gateway arm is built from. */
  head: string;
  /** Uncommitted changes that are part of the gateway arm's bundle (git status --porcelain). */
  uncommitted: string[];
}

async function git(root: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync("git", args, { cwd: root, encoding: "utf8" });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
  }
}

/** The full hash a ref names, or an error that says the ref is not a commit here. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  try {
    return await git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new Error(`--baseline=${ref}: not a commit in this repository`);
  }
}

/** What the gateway arm is built from: HEAD plus whatever is not committed in the bundle's inputs. */
export async function describeWorkingTree(root: string): Promise<WorkingTree> {
  const head = await git(root, ["rev-parse", "HEAD"]);
  const status = await git(root, [
    "status",
    "--porcelain",
    "--",
    "src",
    "wrangler.toml",
    "package.json",
    "package-lock.json",
  ]);
  return { head, uncommitted: status === "" ? [] : status.split("\n") };
}

// The worktree being used, for removal on a signal or at exit; null when there is none.
let active: { root: string; dir: string } | null = null;
let removal: Promise<void> | null = null;

/**
 * Removes the baseline's worktree, if there is one: the node_modules symlink first (so nothing
 * can ever walk into the project's own node_modules), then `git worktree remove --force` (the
 * build leaves untracked .wrangler/ files in it). Safe to call more than once.
 */
export function removeBaselineWorktree(): Promise<void> {
  if (active === null) return removal ?? Promise.resolve();
  const { root, dir } = active;
  active = null;
  removal = (async () => {
    await unlink(join(dir, "node_modules")).catch(() => undefined);
    await git(root, ["worktree", "remove", "--force", dir]);
  })();
  return removal;
}

// Last resort when the run ends without reaching removeBaselineWorktree (exit handlers must be
// synchronous).
process.once("exit", () => {
  if (active === null) return;
  spawnSync("rm", ["-f", join(active.dir, "node_modules")]);
  spawnSync("git", ["worktree", "remove", "--force", active.dir], { cwd: active.root });
});

/** A worktree left by a run that was killed outright (SIGKILL): removed before a new one. */
async function removeStale(root: string, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await unlink(join(dir, "node_modules")).catch(() => undefined);
  const listed = await git(root, ["worktree", "list", "--porcelain"]);
  if (listed.split("\n").includes(`worktree ${dir}`)) {
    await git(root, ["worktree", "remove", "--force", dir]);
  } else {
    // Not a worktree git knows of (its registration is gone): only a directory.
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bench's workerd config gives the gateway's bindings by these names (workerd-config.ts). */
function checkBindings(toml: string, ref: string): void {
  const missing = [
    [/^\s*binding\s*=\s*"KEYS"/m, 'a KV namespace "KEYS"'],
    [/^\s*name\s*=\s*"ACCOUNTS"/m, 'a Durable Object binding "ACCOUNTS"'],
    [/^\s*class_name\s*=\s*"AccountCoordinator"/m, 'the class "AccountCoordinator"'],
  ]
    .filter(([pattern]) => !(pattern as RegExp).test(toml))
    .map(([, what]) => what as string);
  if (missing.length > 0) {
    throw new Error(
      `--baseline=${ref}: its wrangler.toml has no ${missing.join(", ")}, which the bench's workerd config binds`,
    );
  }
}

/**
 * Builds `ref`'s bundle into workDir as BASELINE_BUNDLE, in a worktree at `worktreeDir` that is
 * gone again when this returns or throws.
 */
export async function buildBaseline(
  root: string,
  ref: string,
  worktreeDir: string,
  workDir: string,
): Promise<BaselineBuild> {
  const commit = await resolveCommit(root, ref);
  const subject = await git(root, ["log", "-1", "--format=%s", commit]);
  await removeStale(root, worktreeDir);
  await git(root, ["worktree", "add", "--detach", worktreeDir, commit]);
  active = { root, dir: worktreeDir };
  removal = null;
  try {
    await symlink(join(root, "node_modules"), join(worktreeDir, "node_modules"), "dir");
    checkBindings(await readFile(join(worktreeDir, "wrangler.toml"), "utf8"), ref);
    const manifest = async (dir: string) =>
      JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Manifest;
    const changes = dependencyChanges(await manifest(root), await manifest(worktreeDir));
    const compatibility = await readCompatibility(worktreeDir);
    await buildGatewayBundle(worktreeDir, workDir, BASELINE_BUNDLE);
    return { ref, commit, subject, compatibility, dependencyChanges: changes };
  } finally {
    await removeBaselineWorktree();
  }
}
