// Contract sections 2, 4 and 5 step 2: every 401 the gateway can answer, in the exact envelope,
// decided at the edge with no Durable Object call and no origin request; malformed keys and bad
// checksums with no storage lookup at all; expiry checked at the edge and again in the account's
// Durable Object.
import { describe, expect, it } from "vitest";
import { generateApiKey } from "../../../src/keys/key-format";
import { addKey, createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { edgeCopyOf, restoreStaleEdgeCopy } from "../support/edge-copies";
import { expectEnvelope } from "../support/envelope";
import {
  bearer,
  type GatewayHarness,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
} from "../support/gateway";
import { CREATE_BODY } from "../support/requests";

/** Flips the last checksum character to another base62 character. */
function withBadChecksum(key: string): string {
  const last = key.at(-1);
  return key.slice(0, -1) + (last === "A" ? "B" : "A");
}

/** A valid create sent with this Authorization header as is (none when null). */
async function createWithAuthorization(
  gw: GatewayHarness,
  authorization: string | null,
  testTag: string,
) {
  return gw.fetch("/v1/submissions", {
    method: "POST",
    headers: {
      ...(authorization === null ? {} : { Authorization: authorization }),
      "Content-Type": "application/json",
      "X-Test-Tag": testTag,
    },
    body: JSON.stringify(CREATE_BODY),
  });
}

describe("401 answers at the edge", () => {
  it("answers every credential failure with its code, the envelope and WWW-Authenticate, touching neither the Durable Object nor the origin", async () => {
    const setup = gateway();
    const account = await createAccount(setup);
    const disabled = await createAccount(setup, { status: "disabled" });
    const unverified = await createAccount(setup, { status: "unverified" });
    const revokedAccount = await createAccount(setup);
    const revoke = await setup.fetch(`/_gateway/admin/keys/${revokedAccount.keyId}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer test-admin-token" },
    });
    expect(revoke.status).toBe(200);

    const cases: [string, string | null, string][] = [
      ["no Authorization header", null, "missing_credentials"],
      ["Bearer with nothing after it", "Bearer", "missing_credentials"],
      ["Bearer followed by spaces", "Bearer    ", "missing_credentials"],
      ["lower-case bearer with nothing", "bearer ", "missing_credentials"],
      ["another scheme (Basic)", "Basic dXNlcjpwYXNz", "invalid_credentials"],
      ["Basic carrying a valid key", `Basic ${account.key}`, "invalid_credentials"],
      ["a bare key without scheme", account.key, "invalid_credentials"],
      ["a malformed key", "Bearer not-a-key", "invalid_credentials"],
      ["a key of another prefix", `Bearer sk_${account.key.slice(3)}`, "invalid_credentials"],
      ["a truncated key", `Bearer ${account.key.slice(0, -1)}`, "invalid_credentials"],
      ["a bad checksum", `Bearer ${withBadChecksum(account.key)}`, "invalid_credentials"],
      ["an unknown well-formed key", `Bearer ${generateApiKey()}`, "invalid_credentials"],
      ["a revoked key", `Bearer ${revokedAccount.key}`, "invalid_credentials"],
      ["a disabled account", `Bearer ${disabled.key}`, "account_disabled"],
      ["an unverified account", `Bearer ${unverified.key}`, "account_disabled"],
    ];

    const counting = countingStorage();
    const gw = gateway({ vars: counting.vars });
    for (const [label, authorization, code] of cases) {
      const testTag = uniqueId("401");
      const res = await createWithAuthorization(gw, authorization, testTag);
      expect({ label, status: res.status, code: res.json?.error?.code }).toEqual({
        label,
        status: 401,
        code,
      });
      expectEnvelope(res, 401, code, {});
      // A 401 carries no rate-limit state.
      expect(res.headers.get("RateLimit")).toBeNull();
      expect((await originStats(testTag)).count, label).toBe(0);
    }
    expect(counting.counters.doCalls).toEqual([]);
    expect(counting.counters.doGets).toBe(0);

    // The same wrappers do see an admitted request, so the zero above can fail.
    const okTag = uniqueId("401-control");
    const ok = await createWithAuthorization(gw, `Bearer ${account.key}`, okTag);
    expect(ok.status).toBe(201);
    expect(counting.counters.doCalls).toContain("admit");
    expect((await originStats(okTag)).count).toBe(1);
  });

  it("rejects malformed keys and bad checksums without any KV read or Durable Object call", async () => {
    const account = await createAccount(gateway());
    const counting = countingStorage();
    const gw = gateway({ vars: counting.vars });
    const bad = [
      withBadChecksum(account.key),
      account.key.slice(0, -1),
      `${account.key}0`,
      account.key.replace("_", "-"),
      `${account.key.slice(0, 10)}!${account.key.slice(11)}`,
      "gk_",
      "x".repeat(300),
      `gk_${"0".repeat(28)}`,
    ];
    for (const candidate of bad) {
      const res = await gw.fetch("/v1/submissions", { headers: bearer(candidate) });
      expectEnvelope(res, 401, "invalid_credentials", {});
    }
    expect(counting.counters).toEqual({ kvGets: 0, kvOther: 0, doGets: 0, doCalls: [] });

    // Control: a well-formed unknown key costs exactly one KV read (and still no DO call).
    const unknown = await gw.fetch("/v1/submissions", { headers: bearer(generateApiKey()) });
    expectEnvelope(unknown, 401, "invalid_credentials", {});
    expect(counting.counters.kvGets).toBe(1);
    expect(counting.counters.doCalls).toEqual([]);
  });

  it("gives unknown, revoked, expired and malformed keys byte-identical answers apart from the request id", async () => {
    const setup = gateway();
    const clock = new ManualClock();
    const { accountId, issued: expiring } = await createAccount(setup, {
      expiresAt: new Date(clock.now() + 30_000).toISOString(),
    });
    const revoked = await addKey(setup, accountId);
    await setup.fetch(`/_gateway/admin/keys/${revoked.id}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer test-admin-token" },
    });
    clock.advance(31_000);
    const gw = gateway({ clock });
    const bodies = new Set<string>();
    for (const key of [generateApiKey(), revoked.key, expiring.key, "gk_nope"]) {
      const res = await gw.fetch("/v1/submissions", {
        headers: { ...bearer(key), "X-Request-Id": "same-id" },
      });
      expectEnvelope(res, 401, "invalid_credentials", {});
      bodies.add(res.text);
    }
    expect(bodies.size).toBe(1);
  });

  it("answers a 401 on paths outside the route table too (any proxied path needs a valid key)", async () => {
    const gw = gateway();
    const testTag = uniqueId("401-other");
    for (const path of ["/__test/fast", "/v2/anything", "/", "/v1/submissions/abc/unknown"]) {
      const res = await gw.fetch(path, { headers: { "X-Test-Tag": testTag } });
      expectEnvelope(res, 401, "missing_credentials", {});
    }
    expect((await originStats(testTag)).count).toBe(0);
  });

  it("keeps a well-formed incoming X-Request-Id in the 401 envelope", async () => {
    const res = await gateway().fetch("/v1/submissions", {
      headers: { "X-Request-Id": "client-req.42:a_b-c" },
    });
    expectEnvelope(res, 401, "missing_credentials", {});
    expect(res.json.error.request_id).toBe("client-req.42:a_b-c");
  });
});

describe("key expiry", () => {
  it("rejects an expired key at the edge once the clock passes expires_at, with no Durable Object call", async () => {
    const clock = new ManualClock();
    const setup = gateway({ clock });
    const { issued: key } = await createAccount(setup, {
      expiresAt: new Date(clock.now() + 60_000).toISOString(),
      clock,
    });
    expect(key.expires_at).toBe(new Date(clock.now() + 60_000).toISOString());

    const before = await setup.fetch("/__test/echo/x", { headers: bearer(key.key) });
    expect(before.status).toBe(200);

    clock.advance(59_000);
    expect((await setup.fetch("/__test/echo/x", { headers: bearer(key.key) })).status).toBe(200);

    clock.advance(1_000); // exactly at expires_at: no longer valid
    const counting = countingStorage();
    const gw = gateway({ clock, vars: counting.vars });
    const after = await gw.fetch("/__test/echo/x", { headers: bearer(key.key) });
    expectEnvelope(after, 401, "invalid_credentials", {});
    expect(counting.counters.kvGets).toBe(1);
    expect(counting.counters.doCalls).toEqual([]);
  });

  it("rejects an expired key in the Durable Object even when the edge's clock still lets it through", async () => {
    const doClock = new ManualClock();
    const edgeClock = new ManualClock(doClock.now());
    const setup = gateway({ clock: edgeClock });
    const { issued: key } = await createAccount(setup, {
      expiresAt: new Date(doClock.now() + 60_000).toISOString(),
      clock: doClock,
    });
    const gw = gateway({ clock: edgeClock });
    expect((await gw.fetch("/__test/echo/x", { headers: bearer(key.key) })).status).toBe(200);

    doClock.advance(61_000); // only the authority's clock moves
    const counting = countingStorage();
    const res = await gateway({ clock: edgeClock, vars: counting.vars }).fetch("/__test/echo/x", {
      headers: bearer(key.key),
    });
    expectEnvelope(res, 401, "invalid_credentials", {});
    expect(counting.counters.doCalls).toEqual(["admit"]);
    expect(res.headers.get("RateLimit")).toBeNull();
  });

  it("rejects an expired key in the Durable Object even when a stale edge copy has no expiry", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const { issued: key } = await createAccount(gw, { clock });
    const stale = await edgeCopyOf(key.key);
    const patched = await gw.fetch(`/_gateway/admin/keys/${key.id}`, {
      method: "PATCH",
      headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
      body: JSON.stringify({ expires_at: new Date(clock.now() + 10_000).toISOString() }),
    });
    expect(patched.status).toBe(200);
    clock.advance(10_000);
    await restoreStaleEdgeCopy(key.key, stale);
    const counting = countingStorage();
    const res = await gateway({ clock, vars: counting.vars }).fetch("/__test/echo/x", {
      headers: bearer(key.key),
    });
    expectEnvelope(res, 401, "invalid_credentials", {});
    expect(counting.counters.doCalls).toEqual(["admit"]);
  });

  it("accepts a key whose expires_at is cleared back to null", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const { issued: key } = await createAccount(gw, {
      expiresAt: new Date(clock.now() + 5_000).toISOString(),
      clock,
    });
    clock.advance(6_000);
    expectEnvelope(
      await gw.fetch("/__test/echo/x", { headers: bearer(key.key) }),
      401,
      "invalid_credentials",
    );
    const cleared = await gw.fetch(`/_gateway/admin/keys/${key.id}`, {
      method: "PATCH",
      headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
      body: JSON.stringify({ expires_at: null }),
    });
    expect(cleared.status).toBe(200);
    expect(cleared.json.expires_at).toBeNull();
    expect((await gw.fetch("/__test/echo/x", { headers: bearer(key.key) })).status).toBe(200);
  });
});
