// When the account's Durable Object cannot be reached (contract section 5): creates, requests
// with an Idempotency-Key and anything needing a slot fail closed with 503 limiter_unavailable;
// plain reads fail open on the isolate's fallback limiter (src/isolate/fallback-limiter.ts),
// which still caps at the tier's limit, each pass logged.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Bindings } from "../../../src/env";
import { createAccount } from "../support/accounts";
import { bearer, gateway, ManualClock, originStats, uniqueId } from "../support/gateway";
import { countStatuses, create, read, retryAfterOf } from "../support/requests";

/** An ACCOUNTS namespace whose objects are unreachable: every call on a stub rejects. */
function unreachableAccounts(): Bindings["ACCOUNTS"] {
  const fail = () => Promise.reject(new Error("Network connection lost."));
  const stub = { admit: fail, complete: fail, releaseSubmission: fail, getAccount: fail };
  const namespace = {
    idFromName: (name: string) => env.ACCOUNTS.idFromName(name),
    get: () => stub,
  };
  return namespace as unknown as Bindings["ACCOUNTS"];
}

/** The request log lines (console.log, one per request) that record a given decision. */
function logged(
  spy: { mock: { calls: unknown[][] } },
  decision: string,
): Record<string, unknown>[] {
  return spy.mock.calls
    .map((args) => {
      try {
        return JSON.parse(String(args[0])) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((line): line is Record<string, unknown> => line?.decision === decision);
}

async function setup() {
  const clock = new ManualClock();
  // The account is made while its object is reachable; then the object goes away.
  const account = await createAccount(gateway({ clock }));
  const gw = gateway({ clock, vars: { ACCOUNTS: unreachableAccounts() } });
  return { clock, account, gw };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("limiter unavailable", () => {
  it("fails a create closed with 503 limiter_unavailable, and the origin never sees it", async () => {
    const { account, gw } = await setup();
    const tag = uniqueId("closed");
    const res = await create(gw, account.key, { "X-Test-Tag": tag });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("service_unavailable");
    expect(res.json.error.details.reason).toBe("limiter_unavailable");
    retryAfterOf(res);
    // No internal reason on the wire.
    expect(res.text).not.toContain("Network connection lost");
    expect((await originStats(tag)).count).toBe(0);
  });

  it("fails a request carrying an Idempotency-Key closed", async () => {
    const { account, gw } = await setup();
    const tag = uniqueId("closed-idem");
    const cancel = await gw.fetch("/v1/submissions/sub_x/cancel", {
      method: "POST",
      headers: { ...bearer(account.key), "Idempotency-Key": "cancel-1", "X-Test-Tag": tag },
    });
    expect(cancel.status).toBe(503);
    expect(cancel.json.error.details.reason).toBe("limiter_unavailable");
    retryAfterOf(cancel);
    const remove = await gw.fetch("/v1/submissions/sub_x", {
      method: "DELETE",
      headers: { ...bearer(account.key), "Idempotency-Key": "delete-1", "X-Test-Tag": tag },
    });
    expect(remove.status).toBe(503);
    expect(remove.json.error.details.reason).toBe("limiter_unavailable");
    expect((await originStats(tag)).count).toBe(0);
  });

  it("lets a plain read through on the fallback limiter and logs each pass", async () => {
    const { account, gw } = await setup();
    const log = vi.spyOn(console, "log");
    const tag = uniqueId("open");

    const res = await read(gw, account.key, { "X-Test-Tag": tag });
    expect(res.status).toBe(200);
    expect((await originStats(tag)).count).toBe(1);
    const lines = logged(log, "fail_open");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      decision: "fail_open",
      status: 200,
      account_id: account.accountId,
      request_id: res.headers.get("X-Request-Id"),
    });
  });

  it("still caps plain reads at the tier's per-minute limit while failing open", async () => {
    const { clock, account, gw } = await setup();
    const log = vi.spyOn(console, "log");
    const tag = uniqueId("open-cap");

    const responses = await Promise.all(
      Array.from({ length: 65 }, () => read(gw, account.key, { "X-Test-Tag": tag })),
    );
    expect(countStatuses(responses)).toEqual({ 200: 60, 429: 5 });
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(res.json.error.code).toBe("rate_limited");
      expect(res.json.error.details).toMatchObject({ limit: 60, window_s: 60 });
      retryAfterOf(res);
    }
    expect((await originStats(tag)).count).toBe(60);
    expect(logged(log, "fail_open")).toHaveLength(60);

    // The fallback window rolls too: a minute later there is room again.
    clock.advance(60_000);
    expect((await read(gw, account.key)).status).toBe(200);
  });
});
