// Helpers shared by the test/worker/auth suites: admin calls, key records, and counting
// wrappers around KV and the Durable Object namespace that prove which requests touch storage.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import {
  adminHeaders,
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  uniqueId,
} from "../support/gateway";

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

export function admin(
  gw: GatewayHarness,
  method: string,
  path: string,
  body?: unknown,
): Promise<GatewayResponse> {
  return gw.fetch(`/_gateway/admin${path}`, {
    method,
    headers: adminHeaders,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/** Creates an account through the admin API and returns its id (asserting 201). */
export async function newAccount(
  gw: GatewayHarness,
  fields: { tier?: string; status?: string } = {},
): Promise<string> {
  const id = uniqueId();
  const res = await admin(gw, "POST", "/accounts", { id, ...fields });
  expect(res.status, res.text).toBe(201);
  return id;
}

export interface IssuedKey {
  id: string;
  key: string;
  account_id: string;
  scopes: string[];
  name: string | null;
  created_at: string;
  expires_at: string | null;
}

/** Issues a key through the admin API (asserting 201). */
export async function newKey(
  gw: GatewayHarness,
  accountId: string,
  fields: { scopes?: string[]; name?: string; expires_at?: string } = {},
): Promise<IssuedKey> {
  const res = await admin(gw, "POST", "/keys", {
    account_id: accountId,
    scopes: fields.scopes ?? ["submissions:read", "submissions:write"],
    ...(fields.name === undefined ? {} : { name: fields.name }),
    ...(fields.expires_at === undefined ? {} : { expires_at: fields.expires_at }),
  });
  expect(res.status, res.text).toBe(201);
  return res.json as IssuedKey;
}

/** Lowercase hex SHA-256 of the key, computed here independently of src/keys. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The raw KV edge copy of a key (as a string), to simulate a stale copy elsewhere. */
export async function edgeCopyOf(key: string): Promise<string | null> {
  return env.KEYS.get(`key:${await sha256Hex(key)}`);
}

/** Puts an old edge copy back, as a KV location that has not seen the change yet would hold. */
export async function restoreStaleEdgeCopy(key: string, copy: string | null): Promise<void> {
  expect(copy).not.toBeNull();
  await env.KEYS.put(`key:${await sha256Hex(key)}`, copy as string);
}

export interface StorageCounters {
  kvGets: number;
  kvOther: number;
  doGets: number;
  doCalls: string[];
}

/**
 * KV and Durable Object namespace wrappers that count every operation, for
 * `gateway({ vars: { KEYS, ACCOUNTS } })`. Methods are applied to the real objects so the
 * runtime's bindings keep working.
 */
export function countingStorage(): {
  counters: StorageCounters;
  vars: { KEYS: KVNamespace; ACCOUNTS: typeof env.ACCOUNTS };
} {
  const counters: StorageCounters = { kvGets: 0, kvOther: 0, doGets: 0, doCalls: [] };
  const realKv = env.KEYS;
  const KEYS = new Proxy(realKv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "get" || prop === "getWithMetadata") counters.kvGets += 1;
        else counters.kvOther += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
  const realNs = env.ACCOUNTS;
  const wrapStub = (stub: object): object =>
    new Proxy(stub, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function" || prop === "then") return value;
        return (...args: unknown[]) => {
          counters.doCalls.push(String(prop));
          return Reflect.apply(value, target, args);
        };
      },
    });
  const ACCOUNTS = new Proxy(realNs, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = Reflect.apply(value, target, args);
        if (prop === "get" || prop === "getByName") {
          counters.doGets += 1;
          return wrapStub(result as object);
        }
        return result;
      };
    },
  });
  return { counters, vars: { KEYS, ACCOUNTS } };
}

/** A fresh tag for the test origin's per-tag counters. */
export function tag(name: string): string {
  return uniqueId(`auth-${name}`);
}

export function jsonPost(key: string, body: unknown, extra: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: { ...bearer(key), "Content-Type": "application/json", ...extra },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
