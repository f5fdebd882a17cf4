// Helpers shared by the hostile-traffic suites (test/worker/hostile/*): the account's Durable
// Object tables, the origin's view, and "still healthy".
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { COMPLETION_MARGIN_MS } from "../../../src/account/client";
import { configFor } from "../../../src/config/config";
import type { Bindings } from "../../../src/env";
import { accountObject, usage } from "../support/account-object";
import {
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  type ManualClock,
  originStats,
  type TestAccount,
} from "../support/gateway";

/** How long a pending slot or idempotency lock lives: the origin timeout of the tests'
 * environment (2000 ms, vitest.config.ts) plus the object's completion margin (5 s). */
export const LOCK_MS = configFor(env as Bindings).originTimeoutMs + COMPLETION_MARGIN_MS;

export const JSON_TYPE = { "Content-Type": "application/json" };
export const CREATE_BODY = JSON.stringify({ name: "hostile", num_generations: 10, num_genes: 4 });

/** The object's raw tables, read straight from SQLite (no lazy expiry on the way). */
export async function tables(accountId: string): Promise<{
  slots: { submission_id: string | null }[];
  idempotency: { key: string; state: string }[];
}> {
  return runInDurableObject(accountObject(accountId), (_instance, state) => ({
    slots: state.storage.sql
      .exec<{ submission_id: string | null }>("SELECT submission_id FROM slots")
      .toArray()
      .map((row) => ({ ...row })),
    idempotency: state.storage.sql
      .exec<{ key: string; state: string }>("SELECT key, state FROM idempotency ORDER BY key")
      .toArray()
      .map((row) => ({ ...row })),
  }));
}

/** A create through the gateway, optionally idempotent and tagged. */
export function createSubmission(
  gw: GatewayHarness,
  account: TestAccount,
  headers: Record<string, string> = {},
  body: string = CREATE_BODY,
): Promise<GatewayResponse> {
  return gw.fetch("/v1/submissions", {
    method: "POST",
    headers: { ...bearer(account.key), ...JSON_TYPE, ...headers },
    body,
  });
}

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

/** Waits (polling the origin's counters) until `count` requests under `tag` are at the origin. */
export async function untilAtOrigin(tag: string, count = 1): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await originStats(tag)).in_flight < count) {
    if (Date.now() > deadline) throw new Error(`nothing reached the origin under ${tag}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
  const retry = await createSubmission(gw, account, {
    "Idempotency-Key": idempotencyKey,
    "X-Test-Tag": tag,
  });
  expect(retry.status, retry.text).toBe(201);
  expect(await originSubmissions(gw, account)).toEqual([retry.json.id]);
  expect((await originStats(tag)).creates).toBe(2);
  await expectHealthy(gw, account);
}
