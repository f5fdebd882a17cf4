// The bench binds each gateway arm's Durable Objects as its own commit's wrangler.toml declares
// them: a baseline from before the admin directory runs without DIRECTORY, today's with it.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCompatibility } from "../../bench/lib/build.ts";
import { workerdConfig } from "../../bench/lib/workerd-config.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("the bench's Durable Object bindings", () => {
  it("reads every [[durable_objects.bindings]] of the project's wrangler.toml", async () => {
    const { durableObjects } = await readCompatibility(ROOT);
    expect(durableObjects).toEqual([
      { name: "ACCOUNTS", className: "AccountCoordinator" },
      { name: "DIRECTORY", className: "AdminDirectory" },
    ]);
  });

  it("reads an older wrangler.toml with only the account object", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bench-toml-"));
    await writeFile(
      join(dir, "wrangler.toml"),
      `compatibility_date = "2026-01-01"
[[durable_objects.bindings]]
name = "ACCOUNTS"
class_name = "AccountCoordinator"

[[migrations]]
tag = "v1"
`,
    );
    expect((await readCompatibility(dir)).durableObjects).toEqual([
      { name: "ACCOUNTS", className: "AccountCoordinator" },
    ]);
  });

  it("binds and declares each namespace, each under its own unique key", () => {
    const config = workerdConfig({
      compatibilityDate: "2026-01-01",
      compatibilityFlags: [],
      durableObjects: [
        { name: "ACCOUNTS", className: "AccountCoordinator" },
        { name: "DIRECTORY", className: "AdminDirectory" },
      ],
      doStorageDir: "/tmp/do",
      ports: { floor: 1, envelope: 2, passthrough: 3, admittedFloor: 4, gateway: 5, counted: 6 },
      vars: {},
    });
    expect(config).toContain('(name = "DIRECTORY", durableObjectNamespace = "AdminDirectory")');
    expect(config).toContain(
      '(className = "AdminDirectory", uniqueKey = "bench-gateway-accounts-AdminDirectory", enableSql = true)',
    );
    expect(config).toContain(
      '(className = "AccountCoordinator", uniqueKey = "bench-counted-accounts-AccountCoordinator", enableSql = true)',
    );
  });
});
