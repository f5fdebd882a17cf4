// `npm run console:screenshots`: the operator console's main views as PNGs in docs/, at a
// desktop's and a phone's width. Starts its own gateway with `npm start` (a temporary state
// directory), fills it with a few accounts, keys and some traffic, and drives Debian's Chromium
// as the browser tests do. Nothing it makes outlives it but the pictures.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { DESKTOP_WIDTH, launchBrowser, PHONE_WIDTH } from "../../test/browser/support/browser.ts";
import { chooseScopes } from "../../test/browser/support/console-page.ts";
import {
  type StartedGateway,
  startGatewayWithNpmStart,
} from "../../test/browser/support/start-gateway.ts";

const DOCS = resolve(import.meta.dirname, "../../docs");
/** Edge-decided rejections reach the account's counts within 10 s. */
const BATCH_WAIT_MS = 11_000;

async function call(
  gateway: StartedGateway,
  credential: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${credential}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

async function seed(gateway: StartedGateway): Promise<void> {
  const admin = (method: string, path: string, body?: unknown) =>
    call(gateway, gateway.adminToken, method, `/_gateway/admin${path}`, body);
  await admin("POST", "/accounts", { id: "acme", tier: "pro" });
  await admin("PATCH", "/accounts/acme", { limits: { per_minute: 120, in_flight: 3 } });
  await admin("POST", "/accounts", { id: "acme-staging", tier: "free" });
  await admin("POST", "/accounts", { id: "globex", tier: "free", status: "disabled" });
  const key = async (name: string, scopes: string[], perMinute?: number) => {
    const issued = await admin("POST", "/keys", {
      account_id: "acme",
      name,
      scopes,
      ...(perMinute === undefined ? {} : { limits: { per_minute: perMinute } }),
    });
    return { id: String(issued.id), key: String(issued.key) };
  };
  const ci = await key("ci", ["submissions:read", "submissions:write"]);
  const dashboard = await key("dashboard", ["submissions:read"], 30);
  const old = await key("laptop", ["submissions:read"]);
  await admin("DELETE", `/keys/${old.id}`);
  const body = { name: "demo", num_generations: 100, num_genes: 16 };
  const apiCall = (credential: string, method: string, path: string, payload?: unknown) =>
    call(gateway, credential, method, path, payload);
  for (let i = 0; i < 12; i++) await apiCall(ci.key, "GET", "/v1/submissions");
  for (let i = 0; i < 3; i++) await apiCall(ci.key, "POST", "/v1/submissions", body);
  for (let i = 0; i < 4; i++) await apiCall(dashboard.key, "POST", "/v1/submissions", body);
  for (let i = 0; i < 2; i++) {
    await apiCall(ci.key, "POST", "/v1/submissions", { ...body, num_genes: "many" });
  }
  await apiCall(old.key, "GET", "/v1/submissions");
  await admin("POST", "/credentials", { name: "on-call (read-only)", scopes: ["admin:read"] });
  await new Promise((r) => setTimeout(r, BATCH_WAIT_MS));
}

async function shoot(page: Page, name: string): Promise<void> {
  const file = join(DOCS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
  console.log(`wrote docs/${name}.png`);
}

async function signIn(page: Page, gateway: StartedGateway): Promise<void> {
  await page.goto(`${gateway.url}/_gateway/console`);
  await page.getByLabel("Admin credential").fill(gateway.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
  await page.locator(".accounts-view .results table").waitFor();
}

async function openAcme(page: Page): Promise<void> {
  await page.getByRole("link", { name: "acme", exact: true }).click();
  await page.locator("svg.usage-chart").waitFor();
  await page.locator(".rejections-list table").waitFor();
}

async function main(): Promise<void> {
  await mkdir(DOCS, { recursive: true });
  const gateway = await startGatewayWithNpmStart("screenshots-admin-token");
  const browser = await launchBrowser();
  try {
    await seed(gateway);
    for (const [width, suffix] of [
      [DESKTOP_WIDTH, "desktop"],
      [PHONE_WIDTH, "phone"],
    ] as const) {
      const { page } = await browser.newPage(width);
      await page.goto(`${gateway.url}/_gateway/console`);
      await page.getByLabel("Admin credential").waitFor();
      if (suffix === "desktop") await shoot(page, `console-sign-in-${suffix}`);
      await signIn(page, gateway);
      await shoot(page, `console-accounts-${suffix}`);
      await openAcme(page);
      await shoot(page, `console-account-${suffix}`);
      if (suffix === "desktop") {
        const form = page.getByRole("form", { name: "New key" });
        await form.getByLabel("Name").fill("billing export");
        await chooseScopes(page, ["submissions:read"]);
        await form.getByRole("button", { name: "Create key" }).click();
        await page.locator(".secret").waitFor();
        await page.locator(".secret").scrollIntoViewIfNeeded();
        await page.screenshot({
          path: join(DOCS, "console-new-key-desktop.png"),
          clip: (await page.locator(".keys").boundingBox()) ?? undefined,
        });
        console.log("wrote docs/console-new-key-desktop.png");
      }
      await page.getByRole("link", { name: "Audit log", exact: true }).click();
      await page.locator(".audit-view table").waitFor();
      if (suffix === "desktop") await shoot(page, `console-audit-${suffix}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await gateway.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`npm run console:screenshots: ${error instanceof Error ? error.stack : error}`);
  process.exit(1);
});
