// What `npm start` told the newcomer while it started the gateway these tests use
// (global-setup.ts): the console's URL beside the demo key, and no stack traces.
import { describe, expect, inject, it } from "vitest";
import { consoleUrl } from "./support/gateway.ts";

describe("npm start", () => {
  const output = () => inject("consoleStartOutput");

  it("prints the console's URL beside the demo key, without echoing an ADMIN_TOKEN of one's own", () => {
    const banner = output();
    const key = banner.indexOf("Demo API key");
    const console = banner.indexOf(
      `Operator console: ${consoleUrl()} (sign in with your ADMIN_TOKEN)`,
    );
    expect(key, banner).toBeGreaterThan(-1);
    expect(console, banner).toBeGreaterThan(key);
    expect(banner.indexOf("Create a submission")).toBeGreaterThan(console);
    expect(banner).not.toContain(inject("consoleAdminToken"));
  });

  it("prints no stack trace (the offline Request.cf download is switched off)", () => {
    const banner = output();
    expect(banner).not.toMatch(/^\s+at\s/m);
    expect(banner).not.toContain("ENOTFOUND");
    expect(banner).not.toMatch(/\bError:/);
    expect(banner).not.toContain("workers.cloudflare.com");
  });
});
