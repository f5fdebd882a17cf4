// Helpers shared by the hostile-traffic suites (test/worker/hostile/*): the one envelope every
// gateway error must have, the account's Durable Object and its tables, and "still healthy".
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { COMPLETION_MARGIN_MS } from "../../../src/account/account-coordinator";
import type { AccountUsage } from "../../../src/account/types";
import { configFor } from "../../../src/config/config";
import type { Bindings } from "../../../src/env";
import { ERROR_CATALOGUE } from "../../../src/errors/catalogue";
import {
  adminHeaders,
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  type ManualClock,
  originStats,
  type TestAccount,
} from "../support/gateway";

export const CATALOGUE_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CATALOGUE));

/** How long a pending slot or idempotency lock lives: the origin timeout of the tests'
 * environment (2000 ms, vitest.config.ts) plus the object's completion margin (5 s). */
export const LOCK_MS = configFor(env as Bindings).originTimeoutMs + COMPLETION_MARGIN_MS;

export const JSON_TYPE = { "Content-Type": "application/json" };
export const CREATE_BODY = JSON.stringify({ name: "hostile", num_generations: 10, num_genes: 4 });

/**
 * Checks the contract's envelope (section 2): exactly {error: {code, message, details,
 * request_id}}, a catalogue code, details an object, request_id equal to X-Request-Id, the
 * envelope headers, Retry-After mirrored where the contract requires it, WWW-Authenticate on 401.
 * Returns the error object.
 */
export function expectEnvelope(
  res: GatewayResponse,
  status: number,
  code?: string,
): { code: string; message: string; details: Record<string, unknown>; request_id: string } {
  expect(res.status, res.text).toBe(status);
  expect(res.json, res.text).not.toBeNull();
  expect(Object.keys(res.json)).toEqual(["error"]);
  const error = res.json.error;
  expect(Object.keys(error).sort()).toEqual(["code", "details", "message", "request_id"]);
  expect(CATALOGUE_CODES.has(error.code), error.code).toBe(true);
  if (code !== undefined) expect(error.code).toBe(code);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  expect(typeof error.details).toBe("object");
  expect(error.details).not.toBeNull();
  expect(Array.isArray(error.details)).toBe(false);
  expect(error.request_id).toBe(res.headers.get("X-Request-Id"));
  expect(res.headers.get("X-Request-Id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(res.headers.get("Content-Type")).toBe("application/json");
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  if (status === 429 || status === 503 || error.code === "idempotency_key_in_progress") {
    const retryAfter = res.headers.get("Retry-After");
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
    expect(error.details.retry_after).toBe(Number(retryAfter));
  }
  if (status === 401) expect(res.headers.get("WWW-Authenticate")).toBe("Bearer");
  // No stack trace or exception text on the wire.
  expect(res.text).not.toMatch(/\bat [\w.]+ \(|Error: |TypeError|stack/);
  return error;
}

export function accountObject(accountId: string) {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId));
}

/** Makes the account's object read `clock` (before its first admission). */
export async function useClock(accountId: string, clock: ManualClock): Promise<void> {
  await runInDurableObject(accountObject(accountId), (instance) => {
    instance.clock = clock;
  });
}

export async function usage(gw: GatewayHarness, accountId: string): Promise<AccountUsage> {
  const res = await gw.fetch(`/_gateway/admin/accounts/${accountId}`, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return res.json.usage;
}

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
