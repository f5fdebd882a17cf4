// How the baseline's build differs from the current one, for the run's notes. It is built with
// the current node_modules (a symlink in its worktree): what its package.json asks for
// differently is said, since those are not what it ran with. And whether the two bundles are the
// same code, which a self-test (--baseline=HEAD on a clean tree) should find.

export interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** `name: current -> baseline` for every dependency whose range differs; empty when none. */
export function dependencyChanges(current: Manifest, baseline: Manifest): string[] {
  const changes: string[] = [];
  for (const field of ["dependencies", "devDependencies"] as const) {
    const mine = current[field] ?? {};
    const theirs = baseline[field] ?? {};
    const names = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].sort();
    for (const name of names) {
      const a = mine[name];
      const b = theirs[name];
      if (a !== b) changes.push(`${name}: ${a ?? "(none)"} -> ${b ?? "(none)"}`);
    }
  }
  return changes;
}

/**
 * esbuild heads each module with a `// <path>` comment, relative to the project; through the
 * worktree's symlink the baseline's dependencies are `// ../../../node_modules/...`.
 */
const MODULE_PATH_COMMENT = /^\/\/ (?:\.\.\/)+node_modules\//gm;

/** The same code: byte-identical once the dependencies' module path comments are alike. */
export function sameBundleCode(current: string, baseline: string): boolean {
  return current === baseline.replace(MODULE_PATH_COMMENT, "// node_modules/");
}
