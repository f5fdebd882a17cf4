// The baseline is bundled with the current node_modules; what its package.json asks for
// differently is named in the output, and a self-test finds the two bundles the same code.
import { describe, expect, it } from "vitest";
import { dependencyChanges, sameBundleCode } from "../../bench/lib/baseline-diff.ts";

describe("dependencyChanges", () => {
  it("is empty when the ranges are the same, whatever else differs", () => {
    const manifest = { dependencies: { hono: "^4.13.19" }, devDependencies: { vitest: "^5.1.1" } };
    expect(dependencyChanges(manifest, { ...manifest })).toEqual([]);
    expect(dependencyChanges({}, {})).toEqual([]);
  });

  it("names changed, added and removed dependencies of both kinds", () => {
    expect(
      dependencyChanges(
        { dependencies: { hono: "^4.13.19" }, devDependencies: { wrangler: "^4.156.2", a: "1" } },
        { dependencies: { hono: "^4.12.0" }, devDependencies: { wrangler: "^4.156.2", b: "2" } },
      ),
    ).toEqual(["hono: ^4.13.19 -> ^4.12.0", "a: 1 -> (none)", "b: (none) -> 2"]);
  });
});

describe("sameBundleCode", () => {
  const current = [
    "// node_modules/hono/dist/context.js",
    "var a = 1;",
    "// src/index.ts",
    "export default {};",
  ].join("\n");

  it("ignores only the module path comments of dependencies reached through the symlink", () => {
    const baseline = current.replace("// node_modules/hono", "// ../../../node_modules/hono");
    expect(baseline).not.toBe(current);
    expect(sameBundleCode(current, baseline)).toBe(true);
    expect(sameBundleCode(current, current)).toBe(true);
  });

  it("sees any other difference", () => {
    expect(sameBundleCode(current, current.replace("var a = 1", "var a = 2"))).toBe(false);
    expect(sameBundleCode(current, current.replace("// src/index.ts", "// src/main.ts"))).toBe(
      false,
    );
  });
});
