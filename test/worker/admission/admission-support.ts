// Helpers shared by the admission tests (contract sections 3, 5, 6a): reaching an account's
// Durable Object, moving its time, and reading what the gateway and the origin saw.
import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { accountObject, useClock } from "../support/account-object";
import {
  adminHeaders,
  bearer,
  createAccount,
  type GatewayHarness,
  type GatewayResponse,
  type ManualClock,
  type TestAccount,
} from "../support/gateway";

/**
 * A fresh account whose object runs on `clock`. The object follows the gateway's configuration
 * (its `vars` included): the Worker passes the terms it needs in every call.
 */
export async function accountOn(
  gw: GatewayHarness,
  clock: ManualClock,
  options: { tier?: string; scopes?: string[] } = {},
): Promise<TestAccount> {
  const account = await createAccount(gw, options);
  await useClock(account.accountId, clock);
  return account;
}

/** A second key for an existing account, through the admin API. */
export async function addKey(gw: GatewayHarness, accountId: string): Promise<string> {
  const res = await gw.fetch("/_gateway/admin/keys", {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({
      account_id: accountId,
      scopes: ["submissions:read", "submissions:write"],
    }),
  });
  expect(res.status).toBe(201);
  return res.json.key;
}

/** A plain read (list, limit 1), optionally tagged so the origin counts it. */
export function read(gw: GatewayHarness, key: string, headers: Record<string, string> = {}) {
  return gw.fetch("/v1/submissions?limit=1", { headers: { ...bearer(key), ...headers } });
}

/** A submission create with a valid body. */
export function create(gw: GatewayHarness, key: string, headers: Record<string, string> = {}) {
  return gw.fetch("/v1/submissions", {
    method: "POST",
    headers: { ...bearer(key), "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ num_generations: 10 }),
  });
}

/** Asserts Retry-After is an integer ≥ 1 equal to details.retry_after, and returns it. */
export function retryAfterOf(res: GatewayResponse): number {
  const header = res.headers.get("Retry-After");
  expect(header).toMatch(/^[1-9][0-9]*$/);
  const seconds = Number(header);
  expect(res.json.error.details.retry_after).toBe(seconds);
  return seconds;
}

/** The `r` and `t` of the RateLimit header. */
export function rateLimitState(res: GatewayResponse): { r: number; t: number } {
  const header = res.headers.get("RateLimit") ?? "";
  const match = /^"minute";r=(\d+);t=(\d+)$/.exec(header);
  if (match === null) throw new Error(`unexpected RateLimit header: ${JSON.stringify(header)}`);
  return { r: Number(match[1]), t: Number(match[2]) };
}

export function countStatuses(responses: GatewayResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
}

/** Rows in the object's slot table, read straight from SQLite (no lazy expiry on the way). */
export async function slotRows(accountId: string): Promise<number> {
  return runInDurableObject(accountObject(accountId), (_instance, state) => {
    return state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM slots").one().n;
  });
}
