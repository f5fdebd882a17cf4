// Steps on the console page shared by the browser tests, through what an operator sees:
// labels, roles and button names.
import type { Page } from "playwright-core";
import type { TrackedPage } from "./browser.ts";
import { consoleUrl } from "./gateway.ts";

export async function signIn(page: Page, credential: string): Promise<void> {
  await page.goto(consoleUrl());
  const field = page.getByLabel("Admin credential");
  await field.fill(credential);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Signed in as").waitFor();
}

/** Opens an account's view and waits until its keys are listed. */
export async function openAccount(page: Page, accountId: string): Promise<void> {
  await page.evaluate(
    (hash) => {
      location.hash = hash;
    },
    `#/accounts/${encodeURIComponent(accountId)}`,
  );
  await page.getByRole("heading", { level: 1, name: `Account ${accountId}` }).waitFor();
  await page.locator(".keys-list :is(table, p)").first().waitFor();
}

/** The usage chart's totals as drawn: [admitted, rejected]. */
export async function chartTotals(page: Page): Promise<[number, number]> {
  const chart = page.locator("svg.usage-chart");
  await chart.waitFor();
  return [
    Number(await chart.getAttribute("data-admitted")),
    Number(await chart.getAttribute("data-rejected")),
  ];
}

/** Presses Refresh and waits for the refresh to finish. */
export async function refresh(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "Refresh", exact: true });
  await button.click();
  await page.waitForFunction(() => {
    const refresh = [...document.querySelectorAll("button")].find(
      (element) => element.textContent === "Refresh",
    );
    return refresh !== undefined && !refresh.disabled;
  });
}

/** Fills a key form's scopes, whichever control the page shows (checkboxes or text). */
export async function chooseScopes(page: Page, scopes: readonly string[]): Promise<void> {
  const form = page.getByRole("form", { name: "New key" });
  const boxes = form.getByRole("group", { name: "Scopes" });
  if ((await boxes.count()) > 0) {
    for (const scope of scopes) await boxes.getByLabel(scope, { exact: true }).check();
  } else {
    await form.getByLabel("Scopes", { exact: true }).fill(scopes.join(" "));
  }
}

/**
 * What went wrong on the page: uncaught errors and console errors, a CSP refusal among them.
 * A failed load is the browser's note on a 4xx the test asked for, not a fault.
 */
export function pageProblems(tracked: TrackedPage): string[] {
  return tracked.problems.filter((problem) => !problem.includes("Failed to load resource"));
}

/** Every text the page holds, form values included (the DOM's serialisation omits those). */
export function everyText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const values = [...document.querySelectorAll("input, textarea")].map(
      (element) => (element as HTMLInputElement).value,
    );
    return `${document.documentElement.outerHTML}\n${values.join("\n")}`;
  });
}
