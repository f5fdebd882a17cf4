// Accounts and keys, made the one way a client makes them: through the admin API (contract
// section 4). `createAccount` is an account with its first key (unique per test, so no state is
// shared), its object optionally on a test clock; `addKey` issues another key.
import { expect } from "vitest";
import type { Clock } from "../../../src/clock";
import { useClock } from "./account-object";
import { adminHeaders, type GatewayHarness, type GatewayResponse, uniqueId } from "./gateway";
import { checkAcceptedBody, checkAnswer } from "./openapi-check";

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const ISSUED_KEY_FIELDS = [
  "account_id",
  "created_at",
  "expires_at",
  "id",
  "key",
  "name",
  "scopes",
].sort();

/**
 * One admin API call: a string body is sent as is, anything else JSON-encoded. Every answer is
 * checked against the gateway's OpenAPI document (support/openapi-check.ts), and so is every
 * body the gateway accepted.
 */
export async function admin(
  gw: GatewayHarness,
  method: string,
  path: string,
  body?: unknown,
): Promise<GatewayResponse> {
  const sent = body === undefined || typeof body === "string" ? body : JSON.stringify(body);
  const url = `/_gateway/admin${path}`;
  const res = await gw.fetch(url, {
    method,
    headers: adminHeaders,
    ...(sent === undefined ? {} : { body: sent }),
  });
  checkAnswer(method, url, res.status, res.json);
  if (res.status >= 200 && res.status < 300) checkAcceptedBody(method, url, sent);
  return res;
}

/** A key as the admin API issues it (POST /keys, POST /keys/{id}/rotate). */
export interface IssuedKey {
  id: string;
  key: string;
  account_id: string;
  scopes: string[];
  name: string | null;
  created_at: string;
  expires_at: string | null;
}

export interface KeyOptions {
  /** Default: submissions:read and submissions:write. */
  scopes?: string[];
  name?: string;
  /** RFC 3339, sent as `expires_at`. */
  expiresAt?: string;
}

export interface AccountOptions extends KeyOptions {
  /** Default: free. */
  tier?: string;
  /** Default: active. */
  status?: string;
  /** The account's Durable Object reads this clock (set once the account and its key exist). */
  clock?: Clock;
}

export interface TestAccount {
  accountId: string;
  /** The first key's plaintext and id. */
  key: string;
  keyId: string;
  /** The first key as the admin API issued it. */
  issued: IssuedKey;
}

/** Issues a key for an existing account (asserting 201). */
export async function addKey(
  gw: GatewayHarness,
  accountId: string,
  options: KeyOptions = {},
): Promise<IssuedKey> {
  const res = await admin(gw, "POST", "/keys", {
    account_id: accountId,
    scopes: options.scopes ?? ["submissions:read", "submissions:write"],
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.expiresAt === undefined ? {} : { expires_at: options.expiresAt }),
  });
  expect(res.status, res.text).toBe(201);
  return res.json as IssuedKey;
}

/** A fresh account with one key (asserting 201 for both). */
export async function createAccount(
  gw: GatewayHarness,
  options: AccountOptions = {},
): Promise<TestAccount> {
  const { tier, status, clock, ...key } = options;
  const accountId = uniqueId();
  const res = await admin(gw, "POST", "/accounts", {
    id: accountId,
    tier: tier ?? "free",
    status: status ?? "active",
  });
  expect(res.status, res.text).toBe(201);
  const issued = await addKey(gw, accountId, key);
  if (clock !== undefined) await useClock(accountId, clock);
  return { accountId, key: issued.key, keyId: issued.id, issued };
}
