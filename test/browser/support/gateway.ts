// The gateway the browser tests share (started by global-setup.ts) and plain HTTP calls to it.
import { inject } from "vitest";

export const gatewayUrl = (): string => inject("consoleGatewayUrl");
export const adminToken = (): string => inject("consoleAdminToken");
export const consoleUrl = (): string => `${gatewayUrl()}/_gateway/console`;

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T>(path: string, init: RequestInit): Promise<Answer<T>> {
  const response = await fetch(`${gatewayUrl()}${path}`, {
    ...init,
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === "" ? null : JSON.parse(text)) as T,
  };
}

/** An admin API call, with ADMIN_TOKEN unless another credential is given. */
export function admin<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  credential = adminToken(),
): Promise<Answer<T>> {
  return call<T>(`/_gateway/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${credential}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** An API request with a key. */
export function api(key: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return call(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

let accounts = 0;

/** A fresh account for one test. */
export async function createAccount(prefix: string): Promise<string> {
  accounts += 1;
  const id = `${prefix}-${Date.now().toString(36)}-${accounts}`;
  const created = await admin("POST", "/accounts", { id, tier: "free" });
  if (created.status !== 201) throw new Error(`creating ${id}: ${JSON.stringify(created.body)}`);
  return id;
}

/** A key for `accountId`, made through the admin API (not the page). */
export async function createKey(accountId: string, scopes: string[]): Promise<string> {
  const created = await admin<{ key: string }>("POST", "/keys", { account_id: accountId, scopes });
  if (created.status !== 201) throw new Error(`creating a key: ${JSON.stringify(created.body)}`);
  return created.body.key;
}
