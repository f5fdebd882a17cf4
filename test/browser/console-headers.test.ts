// The console's answers over plain HTTP: the Content-Security-Policy and the other headers on
// the page and on every asset, a page with no inline script or style, assets that are what the
// page's integrity attributes say, and nothing else served under /_gateway/console.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { admin, consoleUrl, gatewayUrl } from "./support/gateway.ts";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; " +
  "require-trusted-types-for 'script'; trusted-types 'none'";

const SECURITY_HEADERS = {
  "content-security-policy": CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

function get(url: string, init: RequestInit = {}) {
  return fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000), ...init });
}

function headersOf(response: Response, names: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
}

async function page(): Promise<{ response: Response; html: string }> {
  const response = await get(consoleUrl());
  return { response, html: await response.text() };
}

/** The page's script, stylesheet and icon: [url, integrity or null]. */
function assetsOf(html: string): Array<{ url: string; integrity: string | null }> {
  const found = [...html.matchAll(/<(?:script|link)\b[^>]*>/g)].flatMap(([tag]) => {
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if (url === undefined) return [];
    return [{ url, integrity: /\bintegrity="([^"]+)"/.exec(tag)?.[1] ?? null }];
  });
  return found;
}

describe("GET /_gateway/console", () => {
  it("answers the page with the strict CSP, no framing, nosniff and no-store, and no credential", async () => {
    const { response, html } = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(headersOf(response, Object.keys(SECURITY_HEADERS))).toEqual(SECURITY_HEADERS);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-request-id")).toMatch(/\S/);
    expect(html).toMatch(/^<!doctype html>/);
  });

  it("has no inline script, inline style, event handler attribute or other origin", async () => {
    const { html } = await page();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/_gateway\/console\/assets\//);
      expect(body).toBe("");
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
  });

  it("serves every asset the page names, with the same headers, matching its integrity", async () => {
    const { html } = await page();
    const assets = assetsOf(html);
    expect(assets.map(({ url }) => url.replace(/\.[0-9a-f]{16}\./, ".HASH."))).toEqual([
      "/_gateway/console/assets/icon.HASH.svg",
      "/_gateway/console/assets/console.HASH.css",
      "/_gateway/console/assets/console.HASH.js",
    ]);
    const types: Record<string, string> = {
      svg: "image/svg+xml",
      css: "text/css; charset=utf-8",
      js: "text/javascript; charset=utf-8",
    };
    for (const { url, integrity } of assets) {
      const response = await get(`${gatewayUrl()}${url}`);
      const body = Buffer.from(await response.arrayBuffer());
      expect(response.status, url).toBe(200);
      expect(response.headers.get("content-type")).toBe(types[url.split(".").pop() ?? ""]);
      expect(headersOf(response, Object.keys(SECURITY_HEADERS))).toEqual(SECURITY_HEADERS);
      // The name carries the content's hash, so an asset never changes under its name.
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      if (integrity !== null) {
        expect(integrity).toBe(`sha384-${createHash("sha384").update(body).digest("base64")}`);
      }
    }
    expect(assets.filter(({ integrity }) => integrity !== null)).toHaveLength(2);
  });

  it("answers HEAD with the page's headers and no body", async () => {
    const response = await get(consoleUrl(), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(headersOf(response, Object.keys(SECURITY_HEADERS))).toEqual(SECURITY_HEADERS);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe("");
  });

  it("sends a trailing slash to the page", async () => {
    const response = await get(`${consoleUrl()}/`);
    expect(response.status).toBe(308);
    expect(new URL(response.headers.get("location") ?? "", consoleUrl()).pathname).toBe(
      "/_gateway/console",
    );
  });

  it.each([
    ["an unknown asset", "GET", "/assets/console.0000000000000000.js"],
    ["an object's own property name", "GET", "/assets/constructor"],
    ["a prototype name", "GET", "/assets/__proto__"],
    ["a path under the console", "GET", "/accounts"],
    ["a POST to the page", "POST", ""],
  ])("answers 404 in the envelope to %s", async (_what, method, path) => {
    const response = await get(`${consoleUrl()}${path}`, { method });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.request_id).toBe(response.headers.get("x-request-id"));
  });

  it("leaves the admin API behind its credential: the page's own calls need one", async () => {
    const answer = await admin("GET", "/whoami", undefined, "not-the-token");
    expect(answer.status).toBe(401);
  });
});
