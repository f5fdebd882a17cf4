// Contract sections 4 (Admin API) and 6a: the admin token, accounts, keys, rotation, release,
// unknown admin paths, and an admin body over its limit. (Every other spelling of a /_gateway
// path, never proxied: api/gateway-paths.test.ts.)
import { describe, expect, it } from "vitest";
import { addKey, admin, createAccount, ISSUED_KEY_FIELDS, RFC3339_UTC } from "../support/accounts";
import { sha256Hex } from "../support/edge-copies";
import { expectEnvelope } from "../support/envelope";
import { ADMIN_TOKEN, adminHeaders, bearer, gateway, uniqueId } from "../support/gateway";
import { create } from "../support/requests";

const KEY_VIEW_FIELDS = [
  "account_id",
  "created_at",
  "expires_at",
  "id",
  "limits",
  "name",
  "revoked_at",
  "rotated_at",
  "scopes",
].sort();

describe("admin token", () => {
  it("hides the admin API (404 not_found) when ADMIN_TOKEN is unset or empty", async () => {
    for (const vars of [{ ADMIN_TOKEN: undefined }, { ADMIN_TOKEN: "" }]) {
      const gw = gateway({ vars });
      const calls: [string, string, Record<string, string>][] = [
        ["GET", "/_gateway/admin/accounts/someone", adminHeaders],
        ["POST", "/_gateway/admin/accounts", adminHeaders],
        ["POST", "/_gateway/admin/keys", {}],
        ["GET", "/_gateway/admin/keys?account_id=someone", { Authorization: "Bearer " }],
        ["DELETE", "/_gateway/admin/nope", {}],
      ];
      for (const [method, path, headers] of calls) {
        const res = await gw.fetch(path, {
          method,
          headers,
          ...(method === "POST" ? { body: JSON.stringify({ id: uniqueId() }) } : {}),
        });
        expectEnvelope(res, 404, "not_found", {});
        expect(res.headers.get("WWW-Authenticate")).toBeNull();
      }
      expect((await gw.fetch("/_gateway/health")).json).toEqual({ status: "ok" });
    }
  });

  it("answers missing_credentials without a token and invalid_credentials for a wrong one", async () => {
    const gw = gateway();
    const api = await createAccount(gw);
    const cases: [Record<string, string>, string][] = [
      [{}, "missing_credentials"],
      [{ Authorization: "Bearer" }, "missing_credentials"],
      [{ Authorization: "Bearer   " }, "missing_credentials"],
      [{ Authorization: "Bearer wrong-token" }, "invalid_credentials"],
      [{ Authorization: `Bearer ${ADMIN_TOKEN}x` }, "invalid_credentials"],
      [{ Authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }, "invalid_credentials"],
      [{ Authorization: `Basic ${ADMIN_TOKEN}` }, "invalid_credentials"],
      [{ Authorization: ADMIN_TOKEN }, "invalid_credentials"],
      [bearer(api.key), "invalid_credentials"],
    ];
    for (const [headers, code] of cases) {
      for (const path of ["/_gateway/admin/accounts/x", "/_gateway/admin/unknown"]) {
        const res = await gw.fetch(path, { headers });
        expectEnvelope(res, 401, code, {});
      }
    }
    const lowerScheme = await gw.fetch(`/_gateway/admin/accounts/${api.accountId}`, {
      headers: { Authorization: `bearer ${ADMIN_TOKEN}` },
    });
    expect(lowerScheme.status).toBe(200);
  });
});

describe("accounts", () => {
  it("creates an account with defaults tier free and status active, and refuses a duplicate id", async () => {
    const gw = gateway();
    const id = uniqueId();
    const before = Date.now();
    const res = await admin(gw, "POST", "/accounts", { id });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(Object.keys(res.json).sort()).toEqual(["created_at", "id", "limits", "status", "tier"]);
    expect(res.json).toMatchObject({ id, tier: "free", status: "active" });
    expect(res.json.created_at).toMatch(RFC3339_UTC);
    expect(Date.parse(res.json.created_at)).toBeGreaterThanOrEqual(before - 1000);

    const again = await admin(gw, "POST", "/accounts", { id, tier: "pro" });
    expectEnvelope(again, 409, "duplicate_resource", {});
    // The first account is untouched.
    expect((await admin(gw, "GET", `/accounts/${id}`)).json.tier).toBe("free");

    const pro = await admin(gw, "POST", "/accounts", {
      id: uniqueId(),
      tier: "pro",
      status: "unverified",
    });
    expect(pro.status).toBe(201);
    expect(pro.json).toMatchObject({ tier: "pro", status: "unverified" });
  });

  it("accepts ids of 1 to 64 characters of [A-Za-z0-9_-] only", async () => {
    const gw = gateway();
    const stem = uniqueId().replace(/[^A-Za-z0-9]/g, "");
    const long = `${stem}_-${"a".repeat(64)}`.slice(0, 64);
    expect((await admin(gw, "POST", "/accounts", { id: long })).status).toBe(201);
    expect((await admin(gw, "POST", "/accounts", { id: `${stem.slice(-8)}x` })).status).toBe(201);
    for (const id of [`${long}b`, "", "has space", "dot.ted", "slash/ed", "ümlaut", 42, null]) {
      expectEnvelope(await admin(gw, "POST", "/accounts", { id }), 400, "invalid_body", {
        field: "id",
      });
    }
    expectEnvelope(await admin(gw, "POST", "/accounts", {}), 400, "invalid_body", { field: "id" });
  });

  it("rejects a bad tier, a bad status, an unknown field and a body that is not JSON", async () => {
    const gw = gateway();
    const bodies: [unknown, Record<string, unknown>][] = [
      [{ id: uniqueId(), tier: "gold" }, { field: "tier" }],
      [{ id: uniqueId(), tier: 1 }, { field: "tier" }],
      [{ id: uniqueId(), status: "banned" }, { field: "status" }],
      [{ id: uniqueId(), status: "Active" }, { field: "status" }],
      [{ id: uniqueId(), plan: "free" }, { field: "plan" }],
      ["{not json", {}],
      ["[]", {}],
    ];
    for (const [body, details] of bodies) {
      expectEnvelope(await admin(gw, "POST", "/accounts", body), 400, "invalid_body", details);
    }
  });

  it("shows the account with its live usage (minute, daily, active submissions)", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const fresh = await admin(gw, "GET", `/accounts/${account.accountId}`);
    expect(fresh.status).toBe(200);
    expect(Object.keys(fresh.json).sort()).toEqual([
      "created_at",
      "id",
      "limits",
      "status",
      "tier",
      "usage",
    ]);
    expect(fresh.json.usage).toEqual({
      minute: { used: 0, limit: 60 },
      daily: { used: 0, limit: 100 },
      active: { used: 0, limit: 5, submissions: [] },
    });

    const created = await create(gw, account.key, {}, { num_generations: 2 });
    expect(created.status).toBe(201);
    await gw.fetch("/v1/submissions", { headers: bearer(account.key) });
    const busy = await admin(gw, "GET", `/accounts/${account.accountId}`);
    expect(busy.json.usage).toEqual({
      minute: { used: 2, limit: 60 },
      daily: { used: 1, limit: 100 },
      active: { used: 1, limit: 5, submissions: [created.json.id] },
    });

    expectEnvelope(await admin(gw, "GET", `/accounts/${uniqueId()}`), 404, "not_found", {});
    expectEnvelope(await admin(gw, "GET", `/accounts/${"x".repeat(65)}`), 404, "not_found", {});
  });

  it("patches tier and status, validating both", async () => {
    const gw = gateway();
    const { accountId: id } = await createAccount(gw);
    const patched = await admin(gw, "PATCH", `/accounts/${id}`, {
      tier: "pro",
      status: "disabled",
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id, tier: "pro", status: "disabled" });
    expect(patched.json.created_at).toMatch(RFC3339_UTC);
    const shown = await admin(gw, "GET", `/accounts/${id}`);
    expect(shown.json).toMatchObject({ tier: "pro", status: "disabled" });
    expect(shown.json.usage.minute.limit).toBe(600);

    expectEnvelope(
      await admin(gw, "PATCH", `/accounts/${id}`, { tier: "x" }),
      400,
      "invalid_body",
      {
        field: "tier",
      },
    );
    expectEnvelope(
      await admin(gw, "PATCH", `/accounts/${id}`, { status: "gone" }),
      400,
      "invalid_body",
      { field: "status" },
    );
    expectEnvelope(
      await admin(gw, "PATCH", `/accounts/${id}`, { id: "other" }),
      400,
      "invalid_body",
      { field: "id" },
    );
    expectEnvelope(
      await admin(gw, "PATCH", `/accounts/${uniqueId()}`, { tier: "pro" }),
      404,
      "not_found",
      {},
    );
  });
});

describe("keys", () => {
  it("issues a key with exactly id, key, account_id, scopes, name, created_at, expires_at", async () => {
    const gw = gateway();
    const { accountId } = await createAccount(gw);
    const plain = await admin(gw, "POST", "/keys", {
      account_id: accountId,
      scopes: ["submissions:read"],
    });
    expect(plain.status, plain.text).toBe(201);
    expect(Object.keys(plain.json).sort()).toEqual(ISSUED_KEY_FIELDS);
    expect(plain.json).toMatchObject({
      account_id: accountId,
      scopes: ["submissions:read"],
      name: null,
      expires_at: null,
    });
    expect(plain.json.id).toMatch(/^key_[0-9A-Za-z]{16}$/);
    expect(plain.json.key).toMatch(/^gk_[0-9A-Za-z]{28}$/);
    expect(plain.json.created_at).toMatch(RFC3339_UTC);

    const named = await admin(gw, "POST", "/keys", {
      account_id: accountId,
      scopes: ["submissions:write", "submissions:read", "submissions:write"],
      name: "deploy bot",
      expires_at: "2099-01-01T02:00:00+02:00",
    });
    expect(named.status).toBe(201);
    expect(named.json).toMatchObject({
      scopes: ["submissions:write", "submissions:read"],
      name: "deploy bot",
      expires_at: "2099-01-01T00:00:00.000Z",
    });
    expect(named.json.key).not.toBe(plain.json.key);
  });

  it("allows an empty scope list", async () => {
    const gw = gateway();
    const { accountId } = await createAccount(gw);
    const res = await admin(gw, "POST", "/keys", { account_id: accountId, scopes: [] });
    expect(res.status).toBe(201);
    expect(res.json.scopes).toEqual([]);
  });

  it("answers 404 for an unknown account and 400 naming the field for bad input", async () => {
    const gw = gateway();
    const { accountId } = await createAccount(gw);
    expectEnvelope(
      await admin(gw, "POST", "/keys", { account_id: uniqueId(), scopes: [] }),
      404,
      "not_found",
      {},
    );
    const bad: [Record<string, unknown>, string][] = [
      [{ expires_at: "tomorrow" }, "expires_at"],
      [{ expires_at: "2099-01-01" }, "expires_at"],
      [{ expires_at: "2099-01-01T00:00:00" }, "expires_at"],
      [{ expires_at: "2099-13-01T00:00:00Z" }, "expires_at"],
      [{ expires_at: 4_070_908_800 }, "expires_at"],
      // Strict RFC 3339: no day rolls over into the next month, offsets stay under 24 h,
      // and the instant must be writable back as RFC 3339 (years 0001–9999 in UTC).
      [{ expires_at: "2026-02-30T00:00:00Z" }, "expires_at"],
      [{ expires_at: "2026-02-29T00:00:00Z" }, "expires_at"],
      [{ expires_at: "2026-04-31T00:00:00Z" }, "expires_at"],
      [{ expires_at: "2026-01-01T24:00:00Z" }, "expires_at"],
      [{ expires_at: "2026-01-01T23:60:00Z" }, "expires_at"],
      [{ expires_at: "2026-01-01T23:59:60Z" }, "expires_at"],
      [{ expires_at: "2026-01-01T00:00:00+24:00" }, "expires_at"],
      [{ expires_at: "2026-01-01T00:00:00+05:60" }, "expires_at"],
      [{ expires_at: "0000-01-01T00:00:00+23:59" }, "expires_at"],
      [{ expires_at: "0001-01-01T00:00:00+00:01" }, "expires_at"],
      [{ expires_at: "9999-12-31T23:59:59-00:01" }, "expires_at"],
      [{ expires_at: "2026-01-01T00:00:00.Z" }, "expires_at"],
      [{ scopes: ["admin"] }, "scopes"],
      [{ scopes: "submissions:read" }, "scopes"],
      [{ scopes: undefined }, "scopes"],
      [{ name: 7 }, "name"],
      [{ name: "n".repeat(201) }, "name"],
      [{ account_id: undefined }, "account_id"],
      [{ account_id: "a b" }, "account_id"],
      [{ owner: "me" }, "owner"],
    ];
    for (const [patch, field] of bad) {
      const body = { account_id: accountId, scopes: ["submissions:read"], ...patch };
      const res = await admin(gw, "POST", "/keys", body);
      expect({ patch, status: res.status }).toEqual({ patch, status: 400 });
      expectEnvelope(res, 400, "invalid_body", { field });
    }
  });

  it("reads RFC 3339 timestamps exactly: leap days, offsets, fractions and the edges of the range", async () => {
    const gw = gateway();
    const { accountId } = await createAccount(gw);
    const good: [string, string][] = [
      ["2028-02-29T12:00:00Z", "2028-02-29T12:00:00.000Z"],
      ["2000-02-29T00:00:00z", "2000-02-29T00:00:00.000Z"],
      ["2099-01-01T02:00:00+02:00", "2099-01-01T00:00:00.000Z"],
      ["2099-01-01T00:00:00.123456789-23:59", "2099-01-01T23:59:00.123Z"],
      ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
      ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
      ["0001-01-01T23:59:00+23:59", "0001-01-01T00:00:00.000Z"],
    ];
    for (const [sent, stored] of good) {
      const res = await admin(gw, "POST", "/keys", {
        account_id: accountId,
        scopes: [],
        expires_at: sent,
      });
      expect({ sent, status: res.status }).toEqual({ sent, status: 201 });
      expect(res.json.expires_at).toBe(stored);
    }
  });

  it("lists an account's keys without any secret or digest", async () => {
    const gw = gateway();
    const { accountId, issued: a } = await createAccount(gw, { name: "a" });
    const b = await addKey(gw, accountId, { scopes: [] });
    await admin(gw, "DELETE", `/keys/${b.id}`);
    const listed = await admin(gw, "GET", `/keys?account_id=${accountId}`);
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.json)).toEqual(["data"]);
    expect(listed.json.data).toHaveLength(2);
    for (const entry of listed.json.data) {
      expect(Object.keys(entry).sort()).toEqual(KEY_VIEW_FIELDS);
    }
    const byId = Object.fromEntries(
      listed.json.data.map((entry: { id: string }) => [entry.id, entry]),
    );
    expect(byId[a.id]).toMatchObject({ name: "a", revoked_at: null, account_id: accountId });
    expect(byId[b.id].revoked_at).toMatch(RFC3339_UTC);
    for (const key of [a.key, b.key]) {
      expect(listed.text).not.toContain(key);
      expect(listed.text).not.toContain(await sha256Hex(key));
    }

    expectEnvelope(await admin(gw, "GET", "/keys"), 400, "invalid_parameter", {
      field: "account_id",
    });
    expectEnvelope(await admin(gw, "GET", `/keys?account_id=${uniqueId()}`), 404, "not_found", {});
  });

  it("shows, patches and revokes one key by id", async () => {
    const gw = gateway();
    const { issued: key } = await createAccount(gw, { name: "before" });

    const shown = await admin(gw, "GET", `/keys/${key.id}`);
    expect(shown.status).toBe(200);
    expect(Object.keys(shown.json).sort()).toEqual(KEY_VIEW_FIELDS);
    expect(shown.json).toMatchObject({ id: key.id, name: "before", revoked_at: null });
    expect(shown.text).not.toContain(key.key);
    expect(shown.text).not.toContain(await sha256Hex(key.key));

    const patched = await admin(gw, "PATCH", `/keys/${key.id}`, {
      name: "after",
      scopes: [],
      expires_at: "2099-06-01T00:00:00Z",
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      id: key.id,
      name: "after",
      scopes: [],
      expires_at: "2099-06-01T00:00:00.000Z",
    });
    const cleared = await admin(gw, "PATCH", `/keys/${key.id}`, { name: null, expires_at: null });
    expect(cleared.json).toMatchObject({ name: null, expires_at: null, scopes: [] });
    for (const [body, field] of [
      [{ scopes: ["x"] }, "scopes"],
      [{ expires_at: "soon" }, "expires_at"],
      [{ revoked_at: null }, "revoked_at"],
    ] as const) {
      expectEnvelope(await admin(gw, "PATCH", `/keys/${key.id}`, body), 400, "invalid_body", {
        field,
      });
    }

    const revoked = await admin(gw, "DELETE", `/keys/${key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ id: key.id, revoked_at: expect.stringMatching(RFC3339_UTC) });
    expect((await admin(gw, "GET", `/keys/${key.id}`)).json.revoked_at).toBe(
      revoked.json.revoked_at,
    );
    // Revoking again changes nothing.
    const again = await admin(gw, "DELETE", `/keys/${key.id}`);
    expect(again.status).toBe(200);
    expect(again.json.revoked_at).toBe(revoked.json.revoked_at);

    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "x" }],
      ["DELETE", undefined],
      ["POST", {}],
    ] as const) {
      const path =
        method === "POST" ? "/keys/key_0000000000000000/rotate" : "/keys/key_0000000000000000";
      expectEnvelope(await admin(gw, method, path, body), 404, "not_found", {});
    }
  });

  it("answers 404 for a key id of the wrong shape before any lookup, however long", async () => {
    const gw = gateway();
    for (const id of [
      "k".repeat(600),
      "key_short",
      "key_000000000000000!",
      `key_${"0".repeat(17)}`,
    ]) {
      for (const [method, suffix] of [
        ["GET", ""],
        ["PATCH", ""],
        ["DELETE", ""],
        ["POST", "/rotate"],
      ] as const) {
        const res = await admin(
          gw,
          method,
          `/keys/${id}${suffix}`,
          method === "PATCH" ? { name: "x" } : undefined,
        );
        expect({ id: id.slice(0, 20), method, status: res.status }).toEqual({
          id: id.slice(0, 20),
          method,
          status: 404,
        });
        expectEnvelope(res, 404, "not_found", {});
      }
    }
  });

  it("rotates into a new key answered like creation", async () => {
    const gw = gateway();
    const { accountId, issued: key } = await createAccount(gw, {
      scopes: ["submissions:write"],
      name: "r",
    });
    const rotated = await admin(gw, "POST", `/keys/${key.id}/rotate`, { grace_seconds: 30 });
    expect(rotated.status).toBe(201);
    expect(Object.keys(rotated.json).sort()).toEqual(ISSUED_KEY_FIELDS);
    expect(rotated.json).toMatchObject({
      account_id: accountId,
      scopes: ["submissions:write"],
      name: "r",
    });
    const listed = await admin(gw, "GET", `/keys?account_id=${accountId}`);
    expect(listed.json.data.map((k: { id: string }) => k.id).sort()).toEqual(
      [key.id, rotated.json.id].sort(),
    );
  });
});

describe("release endpoint", () => {
  it("releases a held submission once and answers released:false after, and for unknown ids", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const created = await create(gw, account.key, {}, {});
    expect(created.status).toBe(201);
    const path = (sub: string) => `/accounts/${account.accountId}/submissions/${sub}/release`;

    expect((await admin(gw, "POST", path("sub_unknown"))).json).toEqual({ released: false });
    const first = await admin(gw, "POST", path(created.json.id));
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ released: true });
    expect((await admin(gw, "POST", path(created.json.id))).json).toEqual({ released: false });
    const usage = (await admin(gw, "GET", `/accounts/${account.accountId}`)).json.usage;
    expect(usage.active).toEqual({ used: 0, limit: 5, submissions: [] });

    expectEnvelope(
      await admin(gw, "POST", `/accounts/${uniqueId()}/submissions/sub_x/release`),
      404,
      "not_found",
      {},
    );
  });
});

describe("gateway-owned paths", () => {
  it("answers 404 for unknown admin paths", async () => {
    const gw = gateway();
    const { accountId: id } = await createAccount(gw);
    for (const [method, path] of [
      ["GET", "/_gateway/admin/nope"],
      ["GET", "/_gateway/admin"],
      // GET /accounts is the listing (contract section 11): admin/operators.test.ts.
      ["PUT", "/_gateway/admin/accounts"],
      ["DELETE", `/_gateway/admin/accounts/${id}`],
      ["POST", `/_gateway/admin/accounts/${id}/unknown`],
      ["GET", `/_gateway/admin/accounts/${id}/`],
    ] as const) {
      const res = await gw.fetch(path, { method, headers: adminHeaders });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expectEnvelope(res, 404, "not_found", {});
    }
  });
});

describe("an admin body", () => {
  it("over 64 KiB is refused with 413 before it is buffered", async () => {
    const gw = gateway();
    const res = await gw.fetch("/_gateway/admin/accounts", {
      method: "POST",
      headers: { ...bearer("test-admin-token"), "Content-Type": "application/json" },
      body: JSON.stringify({ id: "big", padding: "x".repeat(70 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({
      code: "invalid_body",
      details: { reason: "body_too_large", limit_bytes: 65536 },
    });
  });
});
