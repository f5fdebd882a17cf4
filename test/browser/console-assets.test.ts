// The console's bundle is committed (src/console/assets.generated.ts) so that `wrangler dev`,
// `wrangler deploy`, the tests and the bench need no build step. This pins that it is exactly
// what `npm run build:console` makes from src/console/client today, byte for byte.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildConsoleModule, GENERATED_MODULE } from "../../scripts/console/build.ts";

describe("src/console/assets.generated.ts", () => {
  it("is what npm run build:console makes from src/console/client (else: run it)", async () => {
    const committed = await readFile(GENERATED_MODULE, "utf8");
    const rebuilt = await buildConsoleModule();
    // Compared as booleans first: a diff of two 40 KB lines helps nobody.
    expect(committed === rebuilt, "stale: run `npm run build:console` and commit the result").toBe(
      true,
    );
  });

  it("builds the same bytes twice", async () => {
    expect(await buildConsoleModule()).toBe(await buildConsoleModule());
  });
});
