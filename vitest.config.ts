import { dirname, resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";

/** The admin token the workerd tests run with (test/worker/support/gateway.ts uses it too). */
const TEST_ADMIN_TOKEN = "test-admin-token";

/**
 * wrangler.toml's module aliases (the route document, `gateway:routes`), which wrangler's bundler
 * applies and the workers plugin does not: the tests run the document the Worker is built with.
 */
function wranglerAliases(configPath: string): Record<string, string> {
  const config = unstable_readConfig({ config: configPath });
  return Object.fromEntries(
    Object.entries<string>(config.alias ?? {}).map(([name, target]) => [
      name,
      resolve(dirname(configPath), target),
    ]),
  );
}

export default defineConfig({
  test: {
    // The gateway's one-JSON-line-per-request log is pinned by its own tests; elsewhere it is noise.
    onConsoleLog: (log) => !log.startsWith('{"request_id"'),
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ORIGIN_URL: `http://127.0.0.1:${inject("originPort")}`,
                ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                ORIGIN_TIMEOUT_MS: "2000",
              },
            },
          })),
        ],
        resolve: { alias: wranglerAliases("./wrangler.toml") },
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node" },
      },
      {
        test: { name: "bench", include: ["test/bench/**/*.test.ts"], environment: "node" },
      },
      {
        // The operator console (GATEWAY.md section 12) in Debian's headless Chromium, driven by
        // playwright-core, against one gateway that `npm start` runs (the global setup). One
        // browser per file and one file at a time: CI has two cores.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/browser/support/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The lease protocol's pure classes (GATEWAY.md section 9): property tests against a
        // model, and the seeded simulation (`npm run simulate` runs it with more seeds).
        test: { name: "leases", include: ["test/leases/**/*.test.ts"], environment: "node" },
      },
    ],
  },
});
