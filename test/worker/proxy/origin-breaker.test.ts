// The origin breaker (src/isolate/origin-breaker.ts): while the origin asked for a pause (a 503
// with Retry-After, capped at 300 s) proxied traffic is shed at the edge without consuming the
// caller's rate, then exactly one probe goes through; a probe answered without the origin does
// not hold everyone back.
import { describe, expect, it } from "vitest";
import { MAX_ORIGIN_PAUSE_MS, parseRetryAfter } from "../../../src/isolate/origin-breaker";
import { createAccount } from "../support/accounts";
import { bearer, gateway, ManualClock, originStats, originUrl, uniqueId } from "../support/gateway";

// The breaker is per isolate and configuration; each test's gateway() has its own environment,
// so each test starts with a closed breaker.
const ORIGIN_URL = originUrl();

describe("origin breaker", () => {
  it("sheds at the edge while the origin asked for a pause, then lets one probe through", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: { ORIGIN_URL } });
    const { key } = await createAccount(gw);
    const tag = uniqueId("breaker");
    const headers = { ...bearer(key), "X-Test-Tag": tag };

    const pause = await gw.fetch("/__test/fast", {
      headers: { ...headers, "X-Test-Status": "503", "X-Test-Retry-After": "30" },
    });
    expect(pause.status).toBe(503);
    expect(pause.json.error.message).toContain("Demo origin");
    expect((await originStats(tag)).count).toBe(1);

    const shed = await gw.fetch("/v1/submissions", { headers });
    expect(shed.status).toBe(503);
    expect(shed.json.error.code).toBe("service_unavailable");
    expect(shed.json.error.details.reason).toBe("origin_shedding");
    expect(shed.headers.get("Retry-After")).toBe("30");
    expect(shed.json.error.details.retry_after).toBe(30);
    expect((await originStats(tag)).count).toBe(1);

    clock.advance(20_000);
    const later = await gw.fetch("/__test/fast", { headers });
    expect(later.headers.get("Retry-After")).toBe("10");
    expect((await originStats(tag)).count).toBe(1);

    // Gateway endpoints are never shed.
    expect((await gw.fetch("/_gateway/health")).status).toBe(200);

    clock.advance(10_000);
    const probe = await gw.fetch("/__test/fast", { headers });
    expect(probe.status).toBe(200);
    expect((await originStats(tag)).count).toBe(2);
    const closed = await gw.fetch("/__test/fast", { headers });
    expect(closed.status).toBe(200);
    expect((await originStats(tag)).count).toBe(3);
  });

  it("reopens when the probe is answered with another pause", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: { ORIGIN_URL } });
    const { key } = await createAccount(gw);
    const tag = uniqueId("breaker");
    const pauseHeaders = {
      ...bearer(key),
      "X-Test-Tag": tag,
      "X-Test-Status": "503",
      "X-Test-Retry-After": "5",
    };
    expect((await gw.fetch("/__test/fast", { headers: pauseHeaders })).status).toBe(503);
    clock.advance(5_000);
    expect((await gw.fetch("/__test/fast", { headers: pauseHeaders })).status).toBe(503);
    expect((await originStats(tag)).count).toBe(2);
    const shed = await gw.fetch("/__test/fast", { headers: { ...bearer(key), "X-Test-Tag": tag } });
    expect(shed.json.error.details.reason).toBe("origin_shedding");
    expect((await originStats(tag)).count).toBe(2);
  });

  it("sheds without consuming the caller's rate", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: { ORIGIN_URL } });
    const account = await createAccount(gw);
    await gw.fetch("/__test/fast", {
      headers: { ...bearer(account.key), "X-Test-Status": "503", "X-Test-Retry-After": "60" },
    });
    const before = await gw.fetch(`/_gateway/admin/accounts/${account.accountId}`, {
      headers: bearer("test-admin-token"),
    });
    for (let i = 0; i < 3; i++) {
      expect((await gw.fetch("/__test/fast", { headers: bearer(account.key) })).status).toBe(503);
    }
    const after = await gw.fetch(`/_gateway/admin/accounts/${account.accountId}`, {
      headers: bearer("test-admin-token"),
    });
    expect(after.json.usage.minute.used).toBe(before.json.usage.minute.used);
  });
});

describe("a probe that finds the origin still down", () => {
  it("keeps shedding for the default retry instead of letting all traffic through", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: { ORIGIN_URL, ORIGIN_TIMEOUT_MS: "300" } });
    const { key } = await createAccount(gw);
    const tag = uniqueId("breaker-down");
    const headers = { ...bearer(key), "X-Test-Tag": tag };
    await gw.fetch("/__test/fast", {
      headers: { ...headers, "X-Test-Status": "503", "X-Test-Retry-After": "2" },
    });
    clock.advance(2_000);
    const probe = await gw.fetch("/__test/fast", {
      headers: { ...headers, "X-Test-Delay-Ms": "1000" },
    });
    expect(probe.json.error.details.reason).toBe("origin_timeout");
    const shed = await gw.fetch("/__test/fast", { headers });
    expect(shed.json.error.details.reason).toBe("origin_shedding");
    expect(shed.headers.get("Retry-After")).toBe("5");
    expect((await originStats(tag)).count).toBe(2);
  });

  it("caps an origin's pause at 300 s however long its Retry-After", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock, vars: { ORIGIN_URL } });
    const { key } = await createAccount(gw);
    const tag = uniqueId("breaker-cap");
    const headers = { ...bearer(key), "X-Test-Tag": tag };
    const pause = await gw.fetch("/__test/fast", {
      headers: { ...headers, "X-Test-Status": "503", "X-Test-Retry-After": "999999999" },
    });
    expect(pause.status).toBe(503);
    const shed = await gw.fetch("/__test/fast", { headers });
    expect(shed.json.error.details.reason).toBe("origin_shedding");
    expect(shed.headers.get("Retry-After")).toBe("300");

    clock.advance(MAX_ORIGIN_PAUSE_MS);
    const probe = await gw.fetch("/__test/fast", { headers });
    expect(probe.status).toBe(200);
    expect((await originStats(tag)).count).toBe(2);
  });

  it("reads Retry-After as seconds or an HTTP date, never more than 300 s ahead", () => {
    const now = Date.parse("2026-12-01T00:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(now + 30_000);
    expect(parseRetryAfter("999999999", now)).toBe(now + MAX_ORIGIN_PAUSE_MS);
    expect(parseRetryAfter("Tue, 01 Dec 2026 00:01:00 GMT", now)).toBe(now + 60_000);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now)).toBe(now + MAX_ORIGIN_PAUSE_MS);
    expect(parseRetryAfter("Mon, 30 Nov 2026 00:00:00 GMT", now)).toBe(now);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("a breaker probe answered without the origin", () => {
  it("does not leave everyone shed until the probe times out", async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const account = await createAccount(gw);
    const tag = uniqueId("probe");
    const headers = { ...bearer(account.key), "X-Test-Tag": tag };
    const stored = await gw.fetch("/__test/fast", {
      method: "POST",
      headers: { ...headers, "Idempotency-Key": "probe-key" },
      body: "one",
    });
    expect(stored.status).toBe(200);
    await gw.fetch("/__test/fast", {
      headers: { ...headers, "X-Test-Status": "503", "X-Test-Retry-After": "5" },
    });
    clock.advance(5_000);
    // The probe slot goes to a request the account's object answers itself (a mismatch).
    const mismatch = await gw.fetch("/__test/fast", {
      method: "POST",
      headers: { ...headers, "Idempotency-Key": "probe-key" },
      body: "two",
    });
    expect(mismatch.status).toBe(422);
    const next = await gw.fetch("/__test/fast", { headers });
    expect(next.status).toBe(200);
    expect((await originStats(tag)).count).toBe(3);
  });
});
