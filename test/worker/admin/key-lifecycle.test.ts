// Contract section 4: "Revoking a key, disabling an account and removing a scope take effect on
// the very next request, everywhere. A new key works on its first request." plus rotation with a
// grace period. "Everywhere" is exercised by putting back the edge's KV copy from before the
// change (what a KV location that has not seen the write yet still serves): the account's
// Durable Object must still refuse.
import { describe, expect, it } from "vitest";
import { addKey, admin, createAccount, ISSUED_KEY_FIELDS, RFC3339_UTC } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { edgeCopyOf, restoreStaleEdgeCopy } from "../support/edge-copies";
import { expectEnvelope } from "../support/envelope";
import { bearer, gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { create } from "../support/requests";

function echo(gw: ReturnType<typeof gateway>, key: string, testTag?: string) {
  return gw.fetch("/__test/echo/x", {
    headers: { ...bearer(key), ...(testTag === undefined ? {} : { "X-Test-Tag": testTag }) },
  });
}

describe("a new key", () => {
  it("works on its very first request, for a new account and for an account already in use", async () => {
    const gw = gateway();
    const { accountId, issued: first } = await createAccount(gw);
    const created = await create(gw, first.key, {}, { num_generations: 3 });
    expect(created.status, created.text).toBe(201);

    const second = await addKey(gw, accountId, { scopes: ["submissions:read"] });
    const listed = await gw.fetch("/v1/submissions", { headers: bearer(second.key) });
    expect(listed.status, listed.text).toBe(200);
    const echoed = await echo(gw, second.key);
    expect(echoed.json.headers["x-gateway-key-id"]).toBe(second.id);
  });
});

describe("revocation", () => {
  it("refuses a revoked key on the next request while the account's other keys keep working", async () => {
    const gw = gateway();
    const { accountId, issued: doomed } = await createAccount(gw);
    const other = await addKey(gw, accountId);
    expect((await echo(gw, doomed.key)).status).toBe(200);

    const revoked = await admin(gw, "DELETE", `/keys/${doomed.id}`);
    expect(revoked.status).toBe(200);
    expect(Object.keys(revoked.json).sort()).toEqual(["id", "revoked_at"]);
    expect(revoked.json.id).toBe(doomed.id);
    expect(revoked.json.revoked_at).toMatch(RFC3339_UTC);

    expectEnvelope(await echo(gw, doomed.key), 401, "invalid_credentials", {});
    expect((await echo(gw, other.key)).status).toBe(200);
  });

  it("refuses a revoked key in the Durable Object even where the edge copy is stale, without reaching the origin", async () => {
    const gw = gateway();
    const { issued: key } = await createAccount(gw);
    const stale = await edgeCopyOf(key.key);
    expect((await admin(gw, "DELETE", `/keys/${key.id}`)).status).toBe(200);
    expect(await edgeCopyOf(key.key)).toBeNull();

    await restoreStaleEdgeCopy(key.key, stale);
    const testTag = uniqueId("stale-revoked");
    const counting = countingStorage();
    const res = await create(
      gateway({ vars: counting.vars }),
      key.key,
      { "X-Test-Tag": testTag },
      {},
    );
    // The edge let the stale copy through; the object refused it.
    expect(counting.counters.doCalls).toEqual(["admit"]);
    expectEnvelope(res, 401, "invalid_credentials", {});
    expect(res.headers.get("RateLimit")).toBeNull();
    expect((await originStats(testTag)).count).toBe(0);
  });
});

describe("disabling an account", () => {
  it("answers account_disabled on the next request for every key, and re-enabling restores access", async () => {
    const gw = gateway();
    const { accountId, issued: a } = await createAccount(gw);
    const b = await addKey(gw, accountId);
    expect((await echo(gw, a.key)).status).toBe(200);

    const disabled = await admin(gw, "PATCH", `/accounts/${accountId}`, { status: "disabled" });
    expect(disabled.status).toBe(200);
    expect(disabled.json.status).toBe("disabled");
    expectEnvelope(await echo(gw, a.key), 401, "account_disabled", {});
    expectEnvelope(await echo(gw, b.key), 401, "account_disabled", {});

    const enabled = await admin(gw, "PATCH", `/accounts/${accountId}`, { status: "active" });
    expect(enabled.status).toBe(200);
    expect((await echo(gw, a.key)).status).toBe(200);
    expect((await echo(gw, b.key)).status).toBe(200);
  });

  it("treats unverified like disabled, and verification opens the account", async () => {
    const gw = gateway();
    const { accountId, issued: key } = await createAccount(gw, { status: "unverified" });
    expectEnvelope(await echo(gw, key.key), 401, "account_disabled", {});
    expect((await admin(gw, "PATCH", `/accounts/${accountId}`, { status: "active" })).status).toBe(
      200,
    );
    expect((await echo(gw, key.key)).status).toBe(200);
  });

  it("refuses a disabled account in the Durable Object even where the edge copy still says active", async () => {
    const gw = gateway();
    const { accountId, issued: key } = await createAccount(gw);
    const stale = await edgeCopyOf(key.key);
    expect(
      (await admin(gw, "PATCH", `/accounts/${accountId}`, { status: "disabled" })).status,
    ).toBe(200);
    await restoreStaleEdgeCopy(key.key, stale);
    const testTag = uniqueId("stale-disabled");
    const counting = countingStorage();
    const res = await echo(gateway({ vars: counting.vars }), key.key, testTag);
    expect(counting.counters.doCalls).toEqual(["admit"]);
    expectEnvelope(res, 401, "account_disabled", {});
    const created = await create(gw, key.key, { "X-Test-Tag": testTag }, {});
    expectEnvelope(created, 401, "account_disabled", {});
    expect((await originStats(testTag)).count).toBe(0);
  });
});

describe("removing a scope", () => {
  it("answers scope_required on the next request and restoring the scope restores access", async () => {
    const gw = gateway();
    const { issued: key } = await createAccount(gw);
    expect((await create(gw, key.key, {}, {})).status).toBe(201);

    const patched = await admin(gw, "PATCH", `/keys/${key.id}`, { scopes: ["submissions:read"] });
    expect(patched.status).toBe(200);
    expect(patched.json.scopes).toEqual(["submissions:read"]);
    const refused = await create(gw, key.key, {}, {});
    expectEnvelope(refused, 403, "scope_required", { required_scope: "submissions:write" });
    expect(refused.json.error.message).toBe("This endpoint requires the submissions:write scope.");
    expect((await gw.fetch("/v1/submissions", { headers: bearer(key.key) })).status).toBe(200);

    await admin(gw, "PATCH", `/keys/${key.id}`, {
      scopes: ["submissions:read", "submissions:write"],
    });
    expect((await create(gw, key.key, {}, {})).status).toBe(201);
  });

  it("refuses a removed scope in the Durable Object even where the edge copy still has it", async () => {
    const gw = gateway();
    const { issued: key } = await createAccount(gw);
    const stale = await edgeCopyOf(key.key);
    await admin(gw, "PATCH", `/keys/${key.id}`, { scopes: ["submissions:read"] });
    await restoreStaleEdgeCopy(key.key, stale);
    const testTag = uniqueId("stale-scope");
    const counting = countingStorage();
    const res = await create(
      gateway({ vars: counting.vars }),
      key.key,
      { "X-Test-Tag": testTag },
      { num_generations: 1 },
    );
    expectEnvelope(res, 403, "scope_required", { required_scope: "submissions:write" });
    expect(res.json.error.message).toBe("This endpoint requires the submissions:write scope.");
    expect(counting.counters.doCalls).toEqual(["admit"]);
    expect((await originStats(testTag)).count).toBe(0);
    // The origin sees the authoritative scopes, not the stale edge ones.
    const echoed = await echo(gw, key.key);
    expect(echoed.json.headers["x-gateway-scopes"]).toBe("submissions:read");
  });
});

describe("rotation", () => {
  it("issues a new key that works at once; the old one works through the grace period and fails after", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const { accountId, issued: old } = await createAccount(gw, {
      scopes: ["submissions:read"],
      name: "ci",
      clock,
    });
    const staleOld = await edgeCopyOf(old.key);

    const rotated = await admin(gw, "POST", `/keys/${old.id}/rotate`, { grace_seconds: 120 });
    expect(rotated.status, rotated.text).toBe(201);
    expect(Object.keys(rotated.json).sort()).toEqual(ISSUED_KEY_FIELDS);
    expect(rotated.json).toMatchObject({
      account_id: accountId,
      scopes: ["submissions:read"],
      name: "ci",
      created_at: new Date(clock.now()).toISOString(),
      expires_at: null,
    });
    expect(rotated.json.id).not.toBe(old.id);
    expect(rotated.json.key).not.toBe(old.key);
    expect(rotated.json.key).toMatch(/^gk_[0-9A-Za-z]{28}$/);

    const fresh = await echo(gw, rotated.json.key);
    expect(fresh.status).toBe(200);
    expect(fresh.json.headers["x-gateway-key-id"]).toBe(rotated.json.id);
    expect((await echo(gw, old.key)).status).toBe(200);

    const oldView = await admin(gw, "GET", `/keys/${old.id}`);
    expect(oldView.json.expires_at).toBe(new Date(clock.now() + 120_000).toISOString());
    expect(oldView.json.revoked_at).toBeNull();

    clock.advance(119_000);
    expect((await echo(gw, old.key)).status).toBe(200);
    clock.advance(1_000);
    expectEnvelope(await echo(gw, old.key), 401, "invalid_credentials", {});
    expect((await echo(gw, rotated.json.key)).status).toBe(200);

    // A location still serving the pre-rotation copy (no expiry) is overruled by the object.
    await restoreStaleEdgeCopy(old.key, staleOld);
    const counting = countingStorage();
    expectEnvelope(
      await echo(gateway({ clock, vars: counting.vars }), old.key),
      401,
      "invalid_credentials",
      {},
    );
    expect(counting.counters.doCalls).toEqual(["admit"]);
  });

  it("uses a one-hour grace by default and ends it at once with grace_seconds 0", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const { accountId, issued: a } = await createAccount(gw, { clock });
    const b = await addKey(gw, accountId);

    const byDefault = await admin(gw, "POST", `/keys/${a.id}/rotate`);
    expect(byDefault.status).toBe(201);
    expect((await admin(gw, "GET", `/keys/${a.id}`)).json.expires_at).toBe(
      new Date(clock.now() + 3_600_000).toISOString(),
    );

    const immediate = await admin(gw, "POST", `/keys/${b.id}/rotate`, { grace_seconds: 0 });
    expect(immediate.status).toBe(201);
    expectEnvelope(await echo(gw, b.key), 401, "invalid_credentials", {});
    expect((await echo(gw, immediate.json.key)).status).toBe(200);
  });

  it("does not extend an old key's earlier expiry", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const soon = new Date(clock.now() + 10_000).toISOString();
    const { issued: old } = await createAccount(gw, { expiresAt: soon, clock });
    expect((await admin(gw, "POST", `/keys/${old.id}/rotate`, { grace_seconds: 600 })).status).toBe(
      201,
    );
    expect((await admin(gw, "GET", `/keys/${old.id}`)).json.expires_at).toBe(soon);
    clock.advance(10_000);
    expectEnvelope(await echo(gw, old.key), 401, "invalid_credentials", {});
  });

  it("refuses a second rotation of the same key or one of an expired key, so no replacement inherits a grace period", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const { accountId, issued: old } = await createAccount(gw, { clock });
    const first = await admin(gw, "POST", `/keys/${old.id}/rotate`, { grace_seconds: 60 });
    expect(first.status).toBe(201);
    expect(first.json.expires_at).toBeNull();
    expect((await admin(gw, "GET", `/keys/${old.id}`)).json.rotated_at).toMatch(RFC3339_UTC);
    expectEnvelope(
      await admin(gw, "POST", `/keys/${old.id}/rotate`, { grace_seconds: 60 }),
      409,
      "state_conflict",
      {},
    );
    // The replacement can be rotated in turn, and its own replacement never expires either.
    const second = await admin(gw, "POST", `/keys/${first.json.id}/rotate`);
    expect(second.status).toBe(201);
    expect(second.json.expires_at).toBeNull();

    const expiring = await addKey(gw, accountId, {
      expiresAt: new Date(clock.now() + 1_000).toISOString(),
    });
    clock.advance(1_000);
    expectEnvelope(
      await admin(gw, "POST", `/keys/${expiring.id}/rotate`),
      409,
      "state_conflict",
      {},
    );
  });

  it("refuses to rotate a revoked or unknown key, and rejects a bad grace_seconds", async () => {
    const gw = gateway();
    const { issued: key } = await createAccount(gw);
    for (const grace of [-1, 1.5, "60", 30 * 86_400 + 1]) {
      expectEnvelope(
        await admin(gw, "POST", `/keys/${key.id}/rotate`, { grace_seconds: grace }),
        400,
        "invalid_body",
        { field: "grace_seconds" },
      );
    }
    expectEnvelope(
      await admin(gw, "POST", `/keys/${key.id}/rotate`, { grace: 5 }),
      400,
      "invalid_body",
      { field: "grace" },
    );
    expect((await admin(gw, "DELETE", `/keys/${key.id}`)).status).toBe(200);
    expectEnvelope(await admin(gw, "POST", `/keys/${key.id}/rotate`), 404, "not_found", {});
    expectEnvelope(
      await admin(gw, "POST", "/keys/key_doesnotexist00/rotate"),
      404,
      "not_found",
      {},
    );
  });
});
