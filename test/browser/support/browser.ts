// Headless Chromium from Debian's `chromium` package, driven by playwright-core (which never
// downloads a browser): one browser per test file, a new empty profile each time.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Every wait on the page is bounded by this, so a missing element fails fast. */
export const PAGE_TIMEOUT_MS = 10_000;

export interface ConsoleBrowser {
  readonly context: BrowserContext;
  /** A new tab (its own sessionStorage), `width` wide, with its page errors collected. */
  newPage(width?: number): Promise<TrackedPage>;
  close(): Promise<void>;
}

export interface TrackedPage {
  readonly page: Page;
  /** Uncaught exceptions and console errors (a CSP refusal is one). */
  readonly problems: string[];
}

export const DESKTOP_WIDTH = 1280;
export const PHONE_WIDTH = 390;

export async function launchBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS],
    timeout: 30_000,
    viewport: { width: DESKTOP_WIDTH, height: 900 },
  });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
  // The profile's own first tab: closed so that each test's tab is one it opened.
  for (const page of context.pages()) await page.close();
  return {
    context,
    async newPage(width = DESKTOP_WIDTH) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: width === PHONE_WIDTH ? 844 : 900 });
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
      return { page, problems };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
