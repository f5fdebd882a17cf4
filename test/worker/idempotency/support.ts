// Helpers shared by the idempotency suites (test/worker/idempotency/*): requests with an
// Idempotency-Key and the account's idempotency table.
import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { accountObject } from "../support/account-object";
import {
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  originStats,
  type TestAccount,
} from "../support/gateway";

export const JSON_HEADERS = { "Content-Type": "application/json" };

/** A valid create body for the free tier. */
export const CREATE_BODY = { name: "idem", num_generations: 10, num_genes: 4 };

export interface SendOptions {
  method?: string;
  /** A string is sent as is (whitespace and key order kept); anything else is JSON-encoded. */
  body?: unknown;
  key?: string | null;
  headers?: Record<string, string>;
}

export function requestInit(account: TestAccount, options: SendOptions = {}): RequestInit {
  const headers: Record<string, string> = {
    ...bearer(account.key),
    ...JSON_HEADERS,
    ...options.headers,
  };
  if (options.key !== undefined && options.key !== null) headers["Idempotency-Key"] = options.key;
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return { method: options.method ?? "POST", headers, ...(body === undefined ? {} : { body }) };
}

/** One request through the gateway, completion work included. */
export function send(
  gw: GatewayHarness,
  account: TestAccount,
  path: string,
  options: SendOptions = {},
): Promise<GatewayResponse> {
  return gw.fetch(path, requestInit(account, options));
}

/** Rows of the account's idempotency table, read straight from its SQLite storage. */
export function idempotencyRows(
  accountId: string,
): Promise<{ key: string; state: string; status: number | null }[]> {
  return runInDurableObject(accountObject(accountId), (_instance, state) =>
    state.storage.sql
      .exec<{ key: string; state: string; status: number | null }>(
        "SELECT key, state, status FROM idempotency ORDER BY key",
      )
      .toArray()
      .map((row) => ({ ...row })),
  );
}

/**
 * Waits until the test origin holds `count` requests of `tag` in flight: the observable sign
 * that a request was admitted and is now at the origin. Polls a condition, not a time window.
 */
export async function untilInFlight(tag: string, count = 1, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await originStats(tag);
    if (stats.in_flight >= count) return;
    if (Date.now() > deadline) {
      throw new Error(`origin never had ${count} of ${tag} in flight (${JSON.stringify(stats)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A fresh key per call, so no two tests (or rounds) share one. */
let keyCounter = 0;
export function freshKey(prefix = "idem"): string {
  keyCounter += 1;
  return `${prefix}-${keyCounter}-${crypto.randomUUID()}`;
}

/** A 409 `idempotency_key_in_progress` exactly as the contract words it. */
export function expectInProgress(res: GatewayResponse): void {
  expect(res.status).toBe(409);
  expect(res.json.error.code).toBe("idempotency_key_in_progress");
  expect(res.headers.get("Retry-After")).toBe("1");
  expect(res.json.error.details.retry_after).toBe(1);
  expect(res.headers.get("Idempotent-Replayed")).toBeNull();
}

export function expectMismatch(res: GatewayResponse): void {
  expect(res.status).toBe(422);
  expect(res.json.error.code).toBe("idempotency_key_mismatch");
  expect(res.headers.get("Idempotent-Replayed")).toBeNull();
}

/** A first execution: not a replay. */
export function expectExecuted(res: GatewayResponse, status = 201): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("Idempotent-Replayed")).toBeNull();
}

export function expectReplayOf(res: GatewayResponse, original: GatewayResponse): void {
  expect(res.status).toBe(original.status);
  expect(res.headers.get("Idempotent-Replayed")).toBe("true");
  expect(res.text).toBe(original.text);
}

/** Like `send`, but reads the body as bytes (for binary answers), completion work included. */
export async function sendForBytes(
  gw: GatewayHarness,
  account: TestAccount,
  path: string,
  options: SendOptions = {},
): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const { response, settled } = await gw.raw(path, requestInit(account, options));
  const bytes = new Uint8Array(await response.arrayBuffer());
  await settled();
  return { status: response.status, headers: response.headers, bytes };
}
