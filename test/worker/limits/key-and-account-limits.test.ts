// Per-key limits and per-account overrides (contract section 10): read on every admission, so
// they bind on the next request; a 429 says whose limit refused it (details.limit_scope).
import { describe, expect, it } from "vitest";
import { admin, createAccount } from "../support/accounts";
import { type GatewayHarness, gateway, ManualClock } from "../support/gateway";
import { direct, rateLimitState } from "../support/requests";

const POLICY = JSON.stringify({ tiers: { free: { per_minute: 3 } } });

function setup() {
  const clock = new ManualClock();
  return { clock, gw: gateway({ clock, vars: { GATEWAY_POLICY: POLICY } }) };
}

async function keyWithLimit(gw: GatewayHarness, accountId: string, perMinute: number) {
  const res = await admin(gw, "POST", "/keys", {
    account_id: accountId,
    scopes: ["submissions:read"],
    limits: { per_minute: perMinute },
  });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; key: string };
}

async function override(gw: GatewayHarness, accountId: string, limits: unknown) {
  const res = await admin(gw, "PATCH", `/accounts/${accountId}`, { limits });
  expect(res.status, res.text).toBe(200);
  return res;
}

async function admitted(gw: GatewayHarness, key: string, times: number) {
  for (let i = 0; i < times; i++) {
    const res = await direct(gw, key);
    expect(res.status, `request ${i + 1}: ${res.text}`).toBe(200);
  }
}

describe("per-key limits and per-account overrides", () => {
  it("a key's own lower limit refuses with limit_scope key; another key is still admitted", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    const limited = await keyWithLimit(gw, account.accountId, 1);
    await admitted(gw, limited.key, 1);
    const refused = await direct(gw, limited.key);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.json.error.code).toBe("rate_limited");
    expect(refused.json.error.details).toMatchObject({ limit: 1, limit_scope: "key" });
    // The account's window (limit 3) has room for the other key: one unit used so far.
    await admitted(gw, account.key, 2);
    const full = await direct(gw, account.key);
    expect(full.status).toBe(429);
    expect(full.json.error.details).toMatchObject({ limit: 3, limit_scope: "account" });
  });

  it("the account's lower limit binds with limit_scope account; a key limit above it is allowed", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    const generous = await keyWithLimit(gw, account.accountId, 50);
    await admitted(gw, generous.key, 3);
    const refused = await direct(gw, generous.key);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.json.error.details).toMatchObject({ limit: 3, limit_scope: "account" });
  });

  it("a raised override admits on the next request even when the window was full", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    await admitted(gw, account.key, 3);
    const full = await direct(gw, account.key);
    expect(full.status).toBe(429);
    expect(full.json.error.details.limit).toBe(3);
    await override(gw, account.accountId, { per_minute: 5 });
    // No time passes: the isolate that served the admin write forgot the full window it knew
    // (other isolates within KNOWN_FULL_MS, 1 s), so the next request reaches the object, which
    // reads the override.
    const next = await direct(gw, account.key);
    expect(next.status, next.text).toBe(200);
    expect(next.headers.get("RateLimit-Policy")).toContain('"minute";q=5;w=60');
    await admitted(gw, account.key, 1);
    const again = await direct(gw, account.key);
    expect(again.status).toBe(429);
    expect(again.json.error.details).toMatchObject({ limit: 5, limit_scope: "account" });
  });

  it("a lowered override refuses at once, and null returns to the tier's", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    await admitted(gw, account.key, 1);
    await override(gw, account.accountId, { per_minute: 1 });
    const refused = await direct(gw, account.key);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.json.error.details).toMatchObject({ limit: 1, limit_scope: "account" });
    await override(gw, account.accountId, { per_minute: null });
    const back = await direct(gw, account.key);
    expect(back.status, back.text).toBe(200);
    expect(rateLimitState(back).r).toBe(1);
    expect(back.headers.get("RateLimit-Policy")).toContain('"minute";q=3;w=60');
  });

  it("shows the override in GET next to usage, whose minute limit is the one in force", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    await override(gw, account.accountId, { per_minute: 7, in_flight: 2 });
    await admitted(gw, account.key, 1);
    const res = await admin(gw, "GET", `/accounts/${account.accountId}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.limits).toMatchObject({ per_minute: 7, in_flight: 2 });
    expect(res.json.usage.minute).toMatchObject({ limit: 7, used: 1 });
  });

  it("refuses bad override values with invalid_body naming the field", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    const bad: [unknown, string][] = [
      [{ per_minute: 0 }, "limits.per_minute"],
      [{ per_minute: -1 }, "limits.per_minute"],
      [{ in_flight: 1.5 }, "limits.in_flight"],
      [{ per_day: "10" }, "limits.per_day"],
      [{ per_hour: 10 }, "limits.per_hour"],
    ];
    for (const [limits, field] of bad) {
      const res = await admin(gw, "PATCH", `/accounts/${account.accountId}`, { limits });
      expect(res.status, `${JSON.stringify(limits)}: ${res.text}`).toBe(400);
      expect(res.json.error.code).toBe("invalid_body");
      expect(res.json.error.details.field).toBe(field);
    }
    const keyRes = await admin(gw, "POST", "/keys", {
      account_id: account.accountId,
      scopes: ["submissions:read"],
      limits: { per_minute: 0 },
    });
    expect(keyRes.status, keyRes.text).toBe(400);
    expect(keyRes.json.error.details.field).toBe("limits.per_minute");
    // Nothing was stored: the tier's limit still binds.
    const got = await admin(gw, "GET", `/accounts/${account.accountId}`);
    expect(got.json.usage.minute.limit).toBe(3);
  });

  it("a tier change binds on the next request", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    await admitted(gw, account.key, 3);
    expect((await direct(gw, account.key)).status).toBe(429);
    const res = await admin(gw, "PATCH", `/accounts/${account.accountId}`, { tier: "pro" });
    expect(res.status, res.text).toBe(200);
    const next = await direct(gw, account.key);
    expect(next.status, next.text).toBe(200);
    expect(next.headers.get("RateLimit-Policy")).toContain('"minute";q=600;w=60');
  });

  it("a key's own limit can be changed and cleared by PATCH /keys/{id}", async () => {
    const { gw, clock } = setup();
    const account = await createAccount(gw, { clock });
    const limited = await keyWithLimit(gw, account.accountId, 1);
    await admitted(gw, limited.key, 1);
    expect((await direct(gw, limited.key)).status).toBe(429);
    const patched = await admin(gw, "PATCH", `/keys/${limited.id}`, {
      limits: { per_minute: null },
    });
    expect(patched.status, patched.text).toBe(200);
    const next = await direct(gw, limited.key);
    expect(next.status, next.text).toBe(200);
  });
});
