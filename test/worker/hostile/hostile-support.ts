// Helpers shared by the hostile-traffic suites (test/worker/hostile/*): the origin's view of an
// account, "still healthy", and the retry after a create whose outcome was never reported.
import { runDurableObjectAlarm } from "cloudflare:test";
import { expect } from "vitest";
import { accountObject, tables, usage } from "../support/account-object";
import type { TestAccount } from "../support/accounts";
import { bearer, type GatewayHarness, type ManualClock, originStats } from "../support/gateway";
import { create } from "../support/requests";

/** The submissions the origin holds for the account (a read through the gateway). */
export async function originSubmissions(
  gw: GatewayHarness,
  account: TestAccount,
): Promise<string[]> {
  const res = await gw.fetch("/v1/submissions?limit=100", { headers: bearer(account.key) });
  expect(res.status, res.text).toBe(200);
  return (res.json.data as { id: string }[]).map((s) => s.id);
}

/** The gateway still answers health and a normal authenticated read. */
export async function expectHealthy(gw: GatewayHarness, account: TestAccount): Promise<void> {
  const health = await gw.fetch("/_gateway/health");
  expect(health.status).toBe(200);
  expect(health.json).toEqual({ status: "ok" });
  const read = await gw.fetch("/__test/fast", { headers: bearer(account.key) });
  expect(read.status, read.text).toBe(200);
  expect(read.json).toEqual({ ok: true });
}

/**
 * After a create whose outcome never reached the account's object (its lock and slot pending):
 * one more millisecond past the lock frees both, the origin created nothing, and a retry under
 * the same key creates exactly one submission.
 */
export async function expectFreedThenRetriedOnce(
  gw: GatewayHarness,
  account: TestAccount,
  clock: ManualClock,
  idempotencyKey: string,
  tag: string,
): Promise<void> {
  clock.advance(2);
  expect(await runDurableObjectAlarm(accountObject(account.accountId))).toBe(true);
  expect(await tables(account.accountId)).toEqual({ slots: [], idempotency: [] });
  expect((await usage(gw, account.accountId)).active.used).toBe(0);
  expect(await originSubmissions(gw, account)).toEqual([]);
  const retry = await create(gw, account.key, {
    "Idempotency-Key": idempotencyKey,
    "X-Test-Tag": tag,
  });
  expect(retry.status, retry.text).toBe(201);
  expect(await originSubmissions(gw, account)).toEqual([retry.json.id]);
  expect((await originStats(tag)).creates).toBe(2);
  await expectHealthy(gw, account);
}
