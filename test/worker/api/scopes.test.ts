// Contract sections 5 step 3 and 6: each route's scope, answered 403 `scope_required` at the
// edge (no Durable Object call, no origin request) with the exact message and
// details.required_scope; everything outside the route table needs only a valid key.
import { describe, expect, it } from "vitest";
import { addKey, createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { expectEnvelope } from "../support/envelope";
import { bearer, gateway, originStats, uniqueId } from "../support/gateway";

const READ = "submissions:read";
const WRITE = "submissions:write";

interface RouteCase {
  method: string;
  path: string;
  scope: string;
  body?: string;
}

const ROUTES: RouteCase[] = [
  { method: "POST", path: "/v1/submissions", scope: WRITE, body: '{"num_generations":2}' },
  { method: "GET", path: "/v1/submissions", scope: READ },
  { method: "GET", path: "/v1/submissions/sub_scopecheck", scope: READ },
  { method: "POST", path: "/v1/submissions/sub_scopecheck/cancel", scope: WRITE },
  { method: "DELETE", path: "/v1/submissions/sub_scopecheck", scope: WRITE },
];

/** Spellings of the same routes that must not slip past their scope. */
const VARIANTS: RouteCase[] = [
  { method: "POST", path: "//v1/submissions", scope: WRITE, body: "{}" },
  { method: "POST", path: "/v1/submissions/", scope: WRITE, body: "{}" },
  { method: "POST", path: "/V1/SUBMISSIONS", scope: WRITE, body: "{}" },
  { method: "POST", path: "/v1/%73ubmissions", scope: WRITE, body: "{}" },
  { method: "GET", path: "/v1//submissions", scope: READ },
  { method: "GET", path: "/v1/Submissions/sub_x/", scope: READ },
  { method: "POST", path: "/v1/submissions/sub_x/CANCEL", scope: WRITE },
  { method: "DELETE", path: "/v1/submissions//sub_x", scope: WRITE },
];

function send(gw: ReturnType<typeof gateway>, key: string, route: RouteCase, testTag: string) {
  return gw.fetch(route.path, {
    method: route.method,
    headers: { ...bearer(key), "Content-Type": "application/json", "X-Test-Tag": testTag },
    ...(route.body === undefined ? {} : { body: route.body }),
  });
}

describe("route scopes", () => {
  it("answers 403 scope_required naming the missing scope on every scoped route, at the edge", async () => {
    const setup = gateway();
    const { accountId, issued: readOnly } = await createAccount(setup, { scopes: [READ] });
    const writeOnly = await addKey(setup, accountId, { scopes: [WRITE] });
    const none = await addKey(setup, accountId, { scopes: [] });
    const counting = countingStorage();
    const gw = gateway({ vars: counting.vars });
    const testTag = uniqueId("scope-403");

    for (const route of [...ROUTES, ...VARIANTS]) {
      const lacking = route.scope === READ ? writeOnly : readOnly;
      for (const key of [lacking, none]) {
        const res = await send(gw, key.key, route, testTag);
        const label = `${route.method} ${route.path} with [${key.scopes.join(",")}]`;
        expect({ label, status: res.status }).toEqual({ label, status: 403 });
        expectEnvelope(res, 403, "scope_required", { required_scope: route.scope });
        expect(res.json.error.message).toBe(`This endpoint requires the ${route.scope} scope.`);
        // Still an authenticated answer: it carries the rate-limit headers.
        expect(res.headers.get("RateLimit-Policy")).toContain('"minute";q=60;w=60');
      }
    }
    expect(counting.counters.doCalls).toEqual([]);
    expect((await originStats(testTag)).count).toBe(0);
  });

  it("requires the read scope for HEAD on the read routes", async () => {
    const gw = gateway();
    const { issued: writeOnly } = await createAccount(gw, { scopes: [WRITE] });
    const testTag = uniqueId("scope-head");
    for (const path of ["/v1/submissions", "/v1/submissions/sub_head"]) {
      const res = await gw.fetch(path, {
        method: "HEAD",
        headers: { ...bearer(writeOnly.key), "X-Test-Tag": testTag },
      });
      expect(res.status).toBe(403);
    }
    expect((await originStats(testTag)).count).toBe(0);
  });

  it("lets a key holding exactly the route's scope through to the origin", async () => {
    const gw = gateway();
    const { accountId, issued: readOnly } = await createAccount(gw, { scopes: [READ] });
    const writeOnly = await addKey(gw, accountId, { scopes: [WRITE] });
    const testTag = uniqueId("scope-ok");
    for (const route of ROUTES) {
      const key = route.scope === READ ? readOnly : writeOnly;
      const res = await send(gw, key.key, route, testTag);
      // The origin decides (404 for the made-up id, 200/201 otherwise); the gateway lets it by.
      expect({ route: route.path, code: res.json?.error?.code }).not.toEqual({
        route: route.path,
        code: "scope_required",
      });
      expect(res.status).not.toBe(403);
    }
    expect((await originStats(testTag)).count).toBe(ROUTES.length);
  });

  it("proxies paths outside the route table for any valid key, including one with no scopes", async () => {
    const gw = gateway();
    const { issued: none } = await createAccount(gw, { scopes: [] });
    expect(none.scopes).toEqual([]);
    const echoed = await gw.fetch("/__test/echo/anything?x=1", { headers: bearer(none.key) });
    expect(echoed.status).toBe(200);
    expect(echoed.json.headers["x-gateway-scopes"]).toBe("");
    expect(echoed.json.headers["x-gateway-key-id"]).toBe(none.id);

    const testTag = uniqueId("scope-other");
    const others: [string, string][] = [
      ["GET", "/__test/fast"],
      ["PUT", "/v1/submissions"], // a method the route table does not name: the origin decides
      ["PATCH", "/v1/submissions/sub_x"],
      ["GET", "/v1/submissions/sub_x/cancel"],
      ["GET", "/v2/submissions"],
    ];
    for (const [method, path] of others) {
      const res = await gw.fetch(path, {
        method,
        headers: { ...bearer(none.key), "X-Test-Tag": testTag },
      });
      expect({ method, path, status: res.status }).not.toMatchObject({ status: 403 });
      expect(res.json?.error?.code).not.toBe("scope_required");
    }
    expect((await originStats(testTag)).count).toBe(others.length);
  });
});
