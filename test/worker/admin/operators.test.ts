// Contract section 11: scoped admin credentials, the audit log of every admin mutation, and the
// account listing, through the admin API as an operator's tools call it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../../src/env";
import { admin, createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { bearer, type GatewayHarness, gateway, uniqueId } from "../support/gateway";
import { checkAnswer } from "../support/openapi-check";
import { create } from "../support/requests";

/** An admin call with another credential than ADMIN_TOKEN, its answer checked like admin()'s. */
async function as(
  gw: GatewayHarness,
  secret: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const url = `/_gateway/admin${path}`;
  const res = await gw.fetch(url, {
    method,
    headers: { ...bearer(secret), "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  checkAnswer(method, url, res.status, res.json);
  return res;
}

async function credential(gw: GatewayHarness, scopes: string[], name = "ops") {
  const res = await admin(gw, "POST", "/credentials", { name, scopes });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; secret: string; name: string; scopes: string[] };
}

describe("admin credentials", () => {
  it("shows the secret once, lists without it, and stores only its digest", async () => {
    const gw = gateway();
    const made = await credential(gw, ["admin:write", "admin:read"], "deploy-bot");
    expect(Object.keys(made).sort()).toEqual(
      ["created_at", "id", "name", "revoked_at", "scopes", "secret"].sort(),
    );
    expect(made.id).toMatch(/^cred_[0-9A-Za-z]{16}$/);
    expect(made.secret).toMatch(/^gwadmin_[0-9A-Za-z]{48}$/);
    expect(made.scopes).toEqual(["admin:read", "admin:write"]);
    const listed = await admin(gw, "GET", "/credentials");
    const mine = listed.json.data.find((c: { id: string }) => c.id === made.id);
    expect(mine).toEqual({
      id: made.id,
      name: "deploy-bot",
      scopes: ["admin:read", "admin:write"],
      created_at: expect.any(String),
      revoked_at: null,
    });
    expect(listed.text).not.toContain(made.secret);
    expect(listed.text).not.toContain(made.secret.slice(24));
  });

  it("lets a write credential mutate and names it as the actor", async () => {
    const gw = gateway();
    const writer = await credential(gw, ["admin:read", "admin:write"]);
    const id = uniqueId();
    expect((await as(gw, writer.secret, "POST", "/accounts", { id })).status).toBe(201);
    expect((await as(gw, writer.secret, "GET", "/whoami")).json).toEqual({
      actor: writer.id,
      scopes: ["admin:read", "admin:write"],
      key_scopes: ["submissions:read", "submissions:write"],
      tiers: ["free", "pro"],
    });
    const audit = await admin(gw, "GET", `/audit?actor=${writer.id}`);
    expect(audit.json.data).toEqual([
      expect.objectContaining({ actor: writer.id, action: "account.create", target: id }),
    ]);
  });

  it("lets a write credential create and revoke credentials (no scope above admin:write)", async () => {
    const gw = gateway();
    const writer = await credential(gw, ["admin:write"]);
    const made = await as(gw, writer.secret, "POST", "/credentials", {
      name: "made by a credential",
      scopes: ["admin:read"],
    });
    expect(made.status).toBe(201);
    expect((await as(gw, writer.secret, "DELETE", `/credentials/${made.json.id}`)).status).toBe(
      200,
    );
    // Without admin:read, it may not read.
    expectEnvelope(await as(gw, writer.secret, "GET", "/credentials"), 403, "scope_required", {
      required_scope: "admin:read",
    });
  });

  it("hides the admin API when ADMIN_TOKEN is unset, credentials or not", async () => {
    const made = await credential(gateway(), ["admin:read", "admin:write"]);
    const hidden = gateway({ vars: { ADMIN_TOKEN: "" } });
    expectEnvelope(await as(hidden, made.secret, "GET", "/credentials"), 404, "not_found", {});
  });

  it("answers a read-only credential 403 scope_required on every mutation, and lets it read", async () => {
    const gw = gateway();
    const { accountId, keyId } = await createAccount(gw);
    const reader = await credential(gw, ["admin:read"]);
    expect((await as(gw, reader.secret, "GET", `/accounts/${accountId}`)).status).toBe(200);
    expect((await as(gw, reader.secret, "GET", `/keys?account_id=${accountId}`)).status).toBe(200);
    expect((await as(gw, reader.secret, "GET", "/audit")).status).toBe(200);
    // HEAD reads too.
    const head = await gw.fetch(`/_gateway/admin/accounts/${accountId}`, {
      method: "HEAD",
      headers: bearer(reader.secret),
    });
    expect(head.status).toBe(200);
    for (const [method, path, body] of [
      ["POST", "/accounts", { id: uniqueId() }],
      ["PATCH", `/accounts/${accountId}`, { tier: "pro" }],
      ["POST", "/keys", { account_id: accountId, scopes: [] }],
      ["PATCH", `/keys/${keyId}`, { name: "x" }],
      ["DELETE", `/keys/${keyId}`, undefined],
      ["POST", `/keys/${keyId}/rotate`, {}],
      ["POST", `/accounts/${accountId}/submissions/sub_1/release`, undefined],
      ["POST", "/credentials", { name: "more", scopes: ["admin:write"] }],
      ["DELETE", `/credentials/${reader.id}`, undefined],
    ] as const) {
      const res = await as(gw, reader.secret, method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      expectEnvelope(res, 403, "scope_required", { required_scope: "admin:write" });
    }
    // Nothing changed: the key still works, no audit entry names the reader.
    expect((await admin(gw, "GET", `/keys/${keyId}`)).json.revoked_at).toBeNull();
    expect((await admin(gw, "GET", `/audit?actor=${reader.id}`)).json.data).toEqual([]);
  });

  it("refuses a revoked credential on the very next call, and a wrong one, with 401", async () => {
    const gw = gateway();
    const made = await credential(gw, ["admin:read"]);
    expect((await as(gw, made.secret, "GET", "/credentials")).status).toBe(200);
    const revoked = await admin(gw, "DELETE", `/credentials/${made.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ id: made.id, revoked_at: expect.any(String) });
    const after = await as(gw, made.secret, "GET", "/credentials");
    expectEnvelope(after, 401, "invalid_credentials", {});
    // Audited, with the credential before and after and never its secret or digest.
    const audit = await admin(gw, "GET", "/audit?actor=bootstrap&limit=1000");
    const entry = audit.json.data.find(
      (e: { action: string; target: string }) =>
        e.action === "credential.revoke" && e.target === made.id,
    );
    expect(entry).toMatchObject({
      account_id: null,
      before: { id: made.id, revoked_at: null, scopes: ["admin:read"] },
      after: { id: made.id, revoked_at: revoked.json.revoked_at },
    });
    expect(audit.text).not.toContain(made.secret);
    expect(audit.text).not.toContain("digest");
    // Same shape, one character off; and junk.
    const last = made.secret.at(-1) === "a" ? "b" : "a";
    for (const wrong of [`${made.secret.slice(0, -1)}${last}`, "gwadmin_short", "nope"]) {
      expectEnvelope(await as(gw, wrong, "GET", "/credentials"), 401, "invalid_credentials", {});
    }
    expect((await admin(gw, "DELETE", "/credentials/cred_0000000000000000")).status).toBe(404);
    expect((await admin(gw, "DELETE", "/credentials/x")).status).toBe(404);
  });

  it("answers 400 naming the field for an unknown scope, a bad name or an unknown field", async () => {
    const gw = gateway();
    for (const [body, field] of [
      [{ name: "x", scopes: ["admin:delete"] }, "scopes"],
      [{ name: "x", scopes: ["submissions:read"] }, "scopes"],
      [{ name: "x", scopes: [] }, "scopes"],
      [{ name: "x" }, "scopes"],
      [{ name: "", scopes: ["admin:read"] }, "name"],
      [{ scopes: ["admin:read"] }, "name"],
      [{ name: "x", scopes: ["admin:read"], role: "root" }, "role"],
    ] as const) {
      const res = await admin(gw, "POST", "/credentials", body);
      expectEnvelope(res, 400, "invalid_body", { field });
    }
  });
});

describe("audit log", () => {
  it("records every mutation with actor, action, target and the fields before and after, never a secret", async () => {
    const gw = gateway();
    const { accountId, keyId, key } = await createAccount(gw);
    await admin(gw, "PATCH", `/accounts/${accountId}`, { tier: "pro" });
    await admin(gw, "PATCH", `/keys/${keyId}`, { name: "renamed", limits: { per_minute: 5 } });
    const rotated = await admin(gw, "POST", `/keys/${keyId}/rotate`, { grace_seconds: 0 });
    await admin(gw, "DELETE", `/keys/${rotated.json.id}`);
    await admin(gw, "POST", `/accounts/${accountId}/submissions/sub_x/release`);
    const res = await admin(gw, "GET", `/audit?account_id=${accountId}`);
    expect(res.status).toBe(200);
    const entries = res.json.data as {
      action: string;
      target: string;
      actor: string;
      account_id: string;
      request_id: string;
      at: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    }[];
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ["submission.release", "sub_x"],
      ["key.revoke", rotated.json.id],
      ["key.rotate", keyId],
      ["key.update", keyId],
      ["account.update", accountId],
      ["key.create", keyId],
      ["account.create", accountId],
    ]);
    for (const e of entries) {
      expect(e.actor).toBe("bootstrap");
      expect(e.account_id).toBe(accountId);
      expect(e.at).toMatch(/Z$/);
      expect(typeof e.request_id).toBe("string");
    }
    const byAction = new Map(entries.map((e) => [e.action, e]));
    expect(byAction.get("account.update")?.before).toMatchObject({ tier: "free" });
    expect(byAction.get("account.update")?.after).toMatchObject({ tier: "pro" });
    expect(byAction.get("key.update")?.before).toMatchObject({
      name: null,
      limits: { per_minute: null },
    });
    expect(byAction.get("key.update")?.after).toMatchObject({
      name: "renamed",
      limits: { per_minute: 5 },
    });
    expect(byAction.get("key.rotate")?.after).toMatchObject({ replaced_by: rotated.json.id });
    expect(byAction.get("key.revoke")?.after).toMatchObject({
      revoked_at: expect.stringMatching(/Z$/),
    });
    expect(byAction.get("submission.release")?.after).toEqual({ released: false });
    // A call that changes nothing writes no entry: revoking a revoked key, an empty patch.
    await admin(gw, "DELETE", `/keys/${rotated.json.id}`);
    await admin(gw, "PATCH", `/accounts/${accountId}`, {});
    await admin(gw, "PATCH", `/keys/${keyId}`, { name: "renamed" });
    expect((await admin(gw, "GET", `/audit?account_id=${accountId}`)).json.data).toHaveLength(
      entries.length,
    );
    // No key, no digest, anywhere in the log.
    expect(res.text).not.toContain(key);
    expect(res.text).not.toContain(rotated.json.key);
    expect(res.text).not.toContain("digest");
  });

  it("answers by actor and overall from the directory, and filters by time", async () => {
    const gw = gateway();
    const writer = await credential(gw, ["admin:read", "admin:write"]);
    const id = uniqueId();
    await as(gw, writer.secret, "POST", "/accounts", { id });
    await as(gw, writer.secret, "PATCH", `/accounts/${id}`, { status: "disabled" });
    const mine = (await admin(gw, "GET", `/audit?actor=${writer.id}`)).json.data;
    expect(mine.map((e: { action: string }) => e.action)).toEqual([
      "account.update",
      "account.create",
    ]);
    const all = (await admin(gw, "GET", "/audit?limit=1000")).json.data as {
      action: string;
      target: string;
      actor: string;
    }[];
    expect(all).toContainEqual(
      expect.objectContaining({
        action: "credential.create",
        target: writer.id,
        actor: "bootstrap",
      }),
    );
    expect(all).toContainEqual(expect.objectContaining({ action: "account.update", target: id }));
    const first = mine[1].at as string;
    const since = await admin(gw, "GET", `/audit?actor=${writer.id}&from=${mine[0].at}`);
    expect(since.json.data).toHaveLength(mine[0].at === first ? 2 : 1);
    const limited = await admin(gw, "GET", `/audit?actor=${writer.id}&limit=1`);
    expect(limited.json.data).toEqual([mine[0]]);
  });

  it("answers 400 invalid_parameter naming a bad parameter", async () => {
    const gw = gateway();
    for (const [query, field] of [
      ["?who=me", "who"],
      ["?actor=root", "actor"],
      ["?account_id=a%20b", "account_id"],
      ["?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from"],
      ["?to=tomorrow", "to"],
      ["?limit=0", "limit"],
      ["?limit=1001", "limit"],
    ] as const) {
      expectEnvelope(await admin(gw, "GET", `/audit${query}`), 400, "invalid_parameter", { field });
    }
  });

  it("does not record an API request (only admin mutations)", async () => {
    const gw = gateway();
    const { accountId, key } = await createAccount(gw);
    expect((await create(gw, key)).status).toBe(201);
    const actions = (await admin(gw, "GET", `/audit?account_id=${accountId}`)).json.data.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(["key.create", "account.create"]);
  });
});

describe("when the admin directory cannot be reached", () => {
  /** A DIRECTORY namespace whose every object call fails, as in an outage. */
  const downDirectory = {
    idFromName: (name: string) => env.DIRECTORY.idFromName(name),
    get: () =>
      new Proxy(
        {},
        {
          get: () => () =>
            Promise.reject(new Error("Durable Object reset because its code was updated.")),
        },
      ),
  } as unknown as Bindings["DIRECTORY"];

  it("answers a credential's call 503 to retry, never a verdict on the credential", async () => {
    const healthy = gateway();
    const made = await credential(healthy, ["admin:read"]);
    const down = gateway({ vars: { DIRECTORY: downDirectory } });
    const res = await as(down, made.secret, "GET", "/credentials");
    expectEnvelope(res, 503, "service_unavailable", {
      reason: "directory_unavailable",
      retry_after: 1,
    });
    expect(res.headers.get("Retry-After")).toBe("1");
    // ADMIN_TOKEN needs no directory to be checked.
    expect((await admin(down, "GET", "/whoami")).status).toBe(200);
  });

  it("still applies an account change and refreshes the keys' edge copies", async () => {
    const healthy = gateway();
    const { accountId, key } = await createAccount(healthy);
    const down = gateway({ vars: { DIRECTORY: downDirectory } });
    const patched = await admin(down, "PATCH", `/accounts/${accountId}`, { status: "disabled" });
    expect(patched.status).toBe(200);
    // The edge copy says disabled at once: refused at the edge, as after any disable.
    expect((await create(healthy, key)).json.error.code).toBe("account_disabled");
    // The account's own audit log has the change.
    const audit = await admin(healthy, "GET", `/audit?account_id=${accountId}`);
    expect(audit.json.data[0]).toMatchObject({ action: "account.update" });
  });
});

describe("admin answers", () => {
  it("are never cached: Cache-Control no-store on successes and errors alike", async () => {
    const gw = gateway();
    const { accountId } = await createAccount(gw);
    for (const [method, path] of [
      ["GET", `/accounts/${accountId}`],
      ["GET", `/keys?account_id=${accountId}`],
      ["GET", `/accounts/${accountId}/usage`],
      ["GET", "/credentials"],
      ["GET", "/whoami"],
      ["GET", "/accounts/nobody-here"],
      ["POST", "/credentials"],
    ] as const) {
      const res = await admin(gw, method, path);
      expect({ path, cache: res.headers.get("Cache-Control") }).toEqual({
        path,
        cache: "no-store",
      });
    }
  });
});

describe("listing accounts", () => {
  it("pages through accounts by prefix in id order", async () => {
    const gw = gateway();
    const prefix = uniqueId("list");
    const ids = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`];
    for (const id of ids) expect((await admin(gw, "POST", "/accounts", { id })).status).toBe(201);
    await admin(gw, "PATCH", `/accounts/${prefix}-b`, { tier: "pro" });
    const first = await admin(gw, "GET", `/accounts?prefix=${prefix}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.data.map((a: { id: string }) => a.id)).toEqual([
      `${prefix}-a`,
      `${prefix}-b`,
    ]);
    expect(first.json.data[1]).toMatchObject({ tier: "pro", status: "active" });
    expect(first.json.next_cursor).toBe(`${prefix}-b`);
    const second = await admin(
      gw,
      "GET",
      `/accounts?prefix=${prefix}&limit=2&cursor=${first.json.next_cursor}`,
    );
    expect(second.json).toEqual({
      data: [expect.objectContaining({ id: `${prefix}-c` })],
      next_cursor: null,
    });
  });

  it("keeps the newest revision of an account whatever order index writes arrive in", async () => {
    const gw = gateway();
    const id = uniqueId("rev");
    expect((await admin(gw, "POST", "/accounts", { id })).status).toBe(201);
    const listed = async () =>
      (await admin(gw, "GET", `/accounts?prefix=${id}`)).json.data[0] as { tier: string };
    const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
    const record = {
      id,
      status: "active" as const,
      created_at: 0,
      limits: { per_minute: null, in_flight: null, per_day: null },
    };
    await directory.indexAccount({ ...record, tier: "pro" }, 1_000_000);
    await directory.indexAccount({ ...record, tier: "free" }, 999_999);
    expect((await listed()).tier).toBe("pro");
    // Two concurrent changes: the listing ends as the account's object does.
    await Promise.all([
      admin(gw, "PATCH", `/accounts/${id}`, { tier: "free" }),
      admin(gw, "PATCH", `/accounts/${id}`, { status: "disabled" }),
    ]);
    const other = uniqueId("rev");
    await admin(gw, "POST", "/accounts", { id: other });
    await Promise.all([
      admin(gw, "PATCH", `/accounts/${other}`, { tier: "pro" }),
      admin(gw, "PATCH", `/accounts/${other}`, { status: "disabled" }),
    ]);
    const truth = (await admin(gw, "GET", `/accounts/${other}`)).json;
    const index = (await admin(gw, "GET", `/accounts?prefix=${other}`)).json.data[0];
    expect(index).toMatchObject({ tier: truth.tier, status: truth.status });
  });

  it("answers 400 invalid_parameter naming a bad parameter", async () => {
    const gw = gateway();
    for (const [query, field] of [
      ["?page=2", "page"],
      ["?limit=101", "limit"],
      ["?limit=x", "limit"],
      ["?prefix=a%25", "prefix"],
      ["?cursor=%2F%2F", "cursor"],
    ] as const) {
      expectEnvelope(await admin(gw, "GET", `/accounts${query}`), 400, "invalid_parameter", {
        field,
      });
    }
  });
});
