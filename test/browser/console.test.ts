// The operator console in a real browser (GATEWAY.md section 12): signing in and out, a key's
// secret shown once, revoking it, the usage chart after traffic, the rejections and the audit
// log, a read-only credential, a wrong one, the keyboard and a phone's width. One Chromium for
// the file, one tab per test.
import type { Request as BrowserRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsoleBrowser,
  launchBrowser,
  PHONE_WIDTH,
  type TrackedPage,
} from "./support/browser.ts";
import {
  chartTotals,
  chooseScopes,
  everyText,
  openAccount,
  pageProblems,
  refresh,
  signIn,
} from "./support/console-page.ts";
import { admin, adminToken, api, consoleUrl, createAccount, createKey } from "./support/gateway.ts";

/** Edge-decided rejections reach the account's counts within 10 s (GATEWAY.md section 11). */
const COUNTED_WITHIN_MS = 25_000;

let browser: ConsoleBrowser;
const tabs: TrackedPage[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function newTab(width?: number): Promise<TrackedPage> {
  const tab = await browser.newPage(width);
  tabs.push(tab);
  return tab;
}

async function closeTab(tab: TrackedPage): Promise<void> {
  // No CSP refusal, no uncaught error, while the test used the page.
  expect(pageProblems(tab)).toEqual([]);
  await tab.page.close();
}

describe("signing in", () => {
  it("shows a wrong credential's 401: its code, message and request id, and keeps nothing", async () => {
    const tab = await newTab();
    const { page } = tab;
    await page.goto(consoleUrl());
    const answered = page.waitForResponse((response) =>
      response.url().endsWith("/_gateway/admin/whoami"),
    );
    await page.getByLabel("Admin credential").fill("not-an-admin-credential");
    await page.getByRole("button", { name: "Sign in" }).click();
    const response = await answered;
    expect(response.status()).toBe(401);
    const { error } = (await response.json()) as {
      error: { code: string; message: string; request_id: string };
    };
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.locator(".error-code").textContent()).toBe(error.code);
    expect(await alert.locator(".error-message").textContent()).toBe(error.message);
    expect(await alert.locator(".error-request-id").textContent()).toBe(error.request_id);
    expect(error.code).toBe("invalid_credentials");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByText("Signed in as").count()).toBe(0);
    await closeTab(tab);
  });

  it("keeps the credential in the tab's sessionStorage and sends it only as a bearer header", async () => {
    const tab = await newTab();
    const { page } = tab;
    const requests: BrowserRequest[] = [];
    page.on("request", (request) => requests.push(request));
    await signIn(page, adminToken());
    expect(await page.locator("[data-actor]").textContent()).toBe("bootstrap");
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([adminToken()]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await browser.context.cookies()).toEqual([]);

    // A reload stays signed in (the tab's session); a new tab does not.
    await page.reload();
    await page.getByText("Signed in as").waitFor();
    const other = await newTab();
    await other.page.goto(consoleUrl());
    await other.page.getByLabel("Admin credential").waitFor();
    await closeTab(other);

    const adminCalls = requests.filter((request) => request.url().includes("/_gateway/admin/"));
    expect(adminCalls.length).toBeGreaterThan(1);
    for (const request of requests) {
      expect(request.url()).not.toContain(adminToken());
      const headers = await request.allHeaders();
      if (request.url().includes("/_gateway/admin/")) {
        expect(headers.authorization).toBe(`Bearer ${adminToken()}`);
      } else {
        expect(headers.authorization).toBeUndefined();
      }
      expect(headers.cookie).toBeUndefined();
    }

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin credential").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await closeTab(tab);
  });

  it("can be done with the keyboard alone, down to an account", async () => {
    const accountId = await createAccount("keyboard");
    const tab = await newTab();
    const { page } = tab;
    await page.goto(consoleUrl());
    await page.getByLabel("Admin credential").waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("credential");
    await page.keyboard.type(adminToken());
    await page.keyboard.press("Enter");
    await page.getByText("Signed in as").waitFor();
    // The view's heading has the focus; the search box is the next stop.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("account-prefix");
    await page.keyboard.type(accountId);
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: accountId }).waitFor();
    for (let presses = 0; presses < 5; presses++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent)) === accountId) break;
    }
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: `Account ${accountId}` }).waitFor();
    await closeTab(tab);
  });
});

describe("errors and hostile data", () => {
  it("shows an admin API error with its code, message and request id", async () => {
    const accountId = await createAccount("duplicate");
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());
    const form = page.getByRole("form", { name: "New account" });
    await form.getByLabel("Account id").fill(accountId);
    const answered = page.waitForResponse(
      (response) =>
        response.url().endsWith("/_gateway/admin/accounts") &&
        response.request().method() === "POST",
    );
    await form.getByRole("button", { name: "Create account" }).click();
    const response = await answered;
    expect(response.status()).toBe(409);
    const { error } = (await response.json()) as {
      error: { code: string; message: string; request_id: string };
    };
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.locator(".error-code").textContent()).toBe("duplicate_resource");
    expect(await alert.locator(".error-message").textContent()).toBe(error.message);
    expect(await alert.locator(".error-request-id").textContent()).toBe(error.request_id);
    await closeTab(tab);
  });

  it("signs the tab out with the 401's message when its credential is revoked", async () => {
    const credential = await admin<{ id: string; secret: string }>("POST", "/credentials", {
      name: "browser short-lived",
      scopes: ["admin:read", "admin:write"],
    });
    expect(credential.status).toBe(201);
    const accountId = await createAccount("revoked-credential");
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, credential.body.secret);
    await openAccount(page, accountId);
    expect((await admin("DELETE", `/credentials/${credential.body.id}`)).status).toBe(200);
    await page.getByRole("button", { name: "Refresh", exact: true }).click();
    await page.getByLabel("Admin credential").waitFor();
    expect(await page.getByRole("alert").locator(".error-code").textContent()).toBe(
      "invalid_credentials",
    );
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await closeTab(tab);
  });

  it("shows markup in the API's data as text, never as markup", async () => {
    const accountId = await createAccount("markup");
    const name = '<img src=x onerror="document.title=1">';
    const created = await admin("POST", "/keys", {
      account_id: accountId,
      scopes: ["submissions:read"],
      name,
    });
    expect(created.status).toBe(201);
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());
    await openAccount(page, accountId);
    expect(await page.locator(".keys-list strong").textContent()).toBe(name);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.title()).toBe("Gateway console");
    await closeTab(tab);
  });
});

describe("keys", () => {
  it("creates a key and shows its secret exactly once, then revokes it: the key gets 401", async () => {
    const accountId = await createAccount("keys");
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());

    // Found through the search, as an operator would.
    await page.getByLabel("Account id starts with").fill(accountId);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: accountId }).click();
    await page.getByRole("heading", { level: 1, name: `Account ${accountId}` }).waitFor();

    const form = page.getByRole("form", { name: "New key" });
    await form.getByLabel("Name").fill("browser key");
    await chooseScopes(page, ["submissions:read"]);
    await form.getByLabel("Per-minute limit").fill("30");
    const created = page.waitForResponse(
      (response) =>
        response.url().endsWith("/_gateway/admin/keys") && response.request().method() === "POST",
    );
    await form.getByRole("button", { name: "Create key" }).click();
    const issued = (await (await created).json()) as { id: string; key: string };

    const secretField = page.getByLabel(`Secret of key ${issued.id}`);
    expect(await secretField.inputValue()).toBe(issued.key);
    // Shown in that one field and nowhere else; never stored.
    const shown = (await everyText(page)).split(issued.key).length - 1;
    expect(shown).toBe(2); // the field's value attribute and its live value
    expect(await page.locator(`input[value="${issued.key}"]`).count()).toBe(1);
    const storage = await page.evaluate(() => [
      ...Object.values(sessionStorage),
      ...Object.values(localStorage),
    ]);
    expect(storage.join("\n")).not.toContain(issued.key);

    // Copy puts it on the clipboard.
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: new URL(consoleUrl()).origin,
    });
    await page.getByRole("button", { name: "Copy secret" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(issued.key);

    // The secret is the key's: it authenticates.
    expect((await api(issued.key, "GET", "/v1/submissions")).status).toBe(200);

    // The list shows the key with its scope and limit, never its secret.
    const row = page.locator("tr", { hasText: issued.id });
    expect(await row.textContent()).toContain("submissions:read");
    expect(await row.textContent()).toContain("30");

    await page.getByRole("button", { name: "Done, I have saved it" }).click();
    expect(await everyText(page)).not.toContain(issued.key);
    await page.reload();
    await openAccount(page, accountId);
    expect(await page.locator("tr", { hasText: issued.id }).count()).toBe(1);
    expect(await everyText(page)).not.toContain(issued.key);

    await page.getByRole("button", { name: `Revoke key ${issued.id} (browser key)` }).click();
    await page.getByRole("button", { name: `Revoke key ${issued.id} (browser key) now` }).click();
    await page.locator("tr", { hasText: issued.id }).getByText("revoked").waitFor();
    const refused = await api(issued.key, "GET", "/v1/submissions");
    expect(refused.status).toBe(401);
    expect((refused.body.error as { code: string }).code).toBe("invalid_credentials");
    await closeTab(tab);
  });

  it("rotates a key: the replacement's secret shown once, the old one still working", async () => {
    const accountId = await createAccount("rotate");
    const oldKey = await createKey(accountId, ["submissions:read"]);
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());
    await openAccount(page, accountId);
    const keyId = (await page.locator(".keys-list tbody code").first().textContent()) ?? "";
    await page.getByRole("button", { name: `Rotate key ${keyId}`, exact: true }).click();
    const rotated = page.waitForResponse((response) => response.url().endsWith("/rotate"));
    await page.getByRole("button", { name: `Rotate key ${keyId} now` }).click();
    const issued = (await (await rotated).json()) as { id: string; key: string };
    expect(await page.getByLabel(`Secret of key ${issued.id}`).inputValue()).toBe(issued.key);
    await page.locator("tr", { hasText: keyId }).getByText("rotated").waitFor();
    expect((await api(issued.key, "GET", "/v1/submissions")).status).toBe(200);
    expect((await api(oldKey, "GET", "/v1/submissions")).status).toBe(200);
    await closeTab(tab);
  });
});

describe("usage, rejections and audit", () => {
  it("redraws the usage chart after traffic, admitted against rejected by code", async () => {
    const accountId = await createAccount("usage");
    const writer = await createKey(accountId, ["submissions:read", "submissions:write"]);
    const reader = await createKey(accountId, ["submissions:read"]);
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());
    await openAccount(page, accountId);
    const [admittedBefore, rejectedBefore] = await chartTotals(page);

    for (let i = 0; i < 3; i++)
      expect((await api(writer, "GET", "/v1/submissions")).status).toBe(200);
    const rejectedIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const refused = await api(reader, "POST", "/v1/submissions", {
        name: "x",
        num_generations: 1,
        num_genes: 1,
      });
      expect(refused.status).toBe(403);
      rejectedIds.push(refused.headers.get("x-request-id") ?? "");
    }

    await expect
      .poll(
        async () => {
          await refresh(page);
          return chartTotals(page);
        },
        { timeout: COUNTED_WITHIN_MS, interval: 1000 },
      )
      .toEqual([admittedBefore + 3, rejectedBefore + 2]);
    const chart = page.locator("svg.usage-chart");
    expect(await chart.getAttribute("aria-label")).toContain("2 scope_required");
    expect(await page.locator(".legend").textContent()).toContain("scope_required");
    expect(await chart.locator("rect.series-admitted").count()).toBeGreaterThan(0);

    // The same traffic by hour and by day.
    await page.getByLabel("Last day").check();
    await expect.poll(() => chartTotals(page)).toEqual([admittedBefore + 3, rejectedBefore + 2]);
    await page.getByLabel("Last week").check();
    await expect.poll(() => chartTotals(page)).toEqual([admittedBefore + 3, rejectedBefore + 2]);

    // The rejections list names them by request id.
    const rejections = page.locator(".rejections-list");
    await expect
      .poll(async () => (await rejections.textContent()) ?? "", { timeout: COUNTED_WITHIN_MS })
      .toContain(rejectedIds[1]);
    expect(await rejections.textContent()).toContain(rejectedIds[0]);
    expect(await rejections.textContent()).toContain("scope_required");
    await closeTab(tab);
  });

  it("lists the audit log of an account with actor, action and request id", async () => {
    const accountId = await createAccount("audit");
    const created = await admin("POST", "/keys", {
      account_id: accountId,
      scopes: ["submissions:read"],
    });
    const requestId = created.headers.get("x-request-id") ?? "";
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());
    await openAccount(page, accountId);
    await page.getByRole("link", { name: "Audit log of this account" }).click();
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    const entries = page.locator(".audit-view table");
    await entries.waitFor();
    const text = (await entries.textContent()) ?? "";
    expect(text).toContain("account.create");
    expect(text).toContain("key.create");
    expect(text).toContain("bootstrap");
    expect(text).toContain(requestId);
    await closeTab(tab);
  });
});

describe("a read-only credential", () => {
  it("sees accounts, keys and audit, and no control that changes anything", async () => {
    const accountId = await createAccount("read-only");
    await createKey(accountId, ["submissions:read"]);
    const credential = await admin<{ secret: string }>("POST", "/credentials", {
      name: "browser read-only",
      scopes: ["admin:read"],
    });
    expect(credential.status).toBe(201);
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, credential.body.secret);
    await page.getByText("read-only", { exact: true }).waitFor();

    const buttons = async () =>
      (await page.getByRole("button").allTextContents()).filter((name) => name !== "Sign out");
    await page.locator(".accounts-view .results :is(table, p)").first().waitFor();
    expect(await buttons()).toEqual(["Search"]);
    expect(await page.locator("form").count()).toBe(1);

    await openAccount(page, accountId);
    expect(await page.locator(".keys-list tbody tr").count()).toBe(1);
    expect(await buttons()).toEqual(["Refresh"]);
    expect(await page.locator("form").count()).toBe(0);

    await page.getByRole("link", { name: "Audit log", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    expect(await buttons()).toEqual(["Show entries"]);
    await closeTab(tab);
  });
});

describe("the page's form", () => {
  it("labels every control", async () => {
    const accountId = await createAccount("labels");
    await createKey(accountId, ["submissions:read"]);
    const tab = await newTab();
    const { page } = tab;
    await signIn(page, adminToken());
    await openAccount(page, accountId);
    await page.locator("svg.usage-chart").waitFor();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((element) => {
          if (element instanceof HTMLButtonElement) {
            return (element.getAttribute("aria-label") ?? element.textContent ?? "").trim() === "";
          }
          const control = element as HTMLInputElement;
          return (control.labels?.length ?? 0) === 0 && !control.hasAttribute("aria-label");
        })
        .map((element) => element.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    await closeTab(tab);
  });

  it("fits a phone's width: nothing but the tables scrolls sideways", async () => {
    const accountId = await createAccount("phone");
    await createKey(accountId, ["submissions:read"]);
    const tab = await newTab(PHONE_WIDTH);
    const { page } = tab;
    await signIn(page, adminToken());
    const overflow = () =>
      page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
    expect(await overflow()).toBeLessThanOrEqual(0);
    await openAccount(page, accountId);
    await page.locator("svg.usage-chart").waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await closeTab(tab);
  });
});
