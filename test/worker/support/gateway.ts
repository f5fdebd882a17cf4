import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { Clock } from "../../../src/clock";
import type { Bindings } from "../../../src/env";
import { createGateway } from "../../../src/gateway";

export const ADMIN_TOKEN = "test-admin-token";
export const GATEWAY = "http://gateway.test";

export function originUrl(): string {
  return `http://127.0.0.1:${inject("originPort")}`;
}

/** A clock the test moves by hand; starts at real time so Durable Object alarms stay sane. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = Date.now()) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface GatewayResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  json: any;
}

export interface GatewayHarness {
  fetch(path: string, init?: RequestInit): Promise<GatewayResponse>;
  /** The raw Response, without waiting for completion work. */
  raw(
    path: string,
    init?: RequestInit,
  ): Promise<{ response: Response; settled: () => Promise<void> }>;
}

/**
 * The gateway app inside workerd with real KV, Durable Objects and a real origin process on
 * loopback; `vars` override the environment (a new env object, so config is parsed anew).
 */
export function gateway(options: { clock?: Clock; vars?: Partial<Bindings> } = {}): GatewayHarness {
  const app = createGateway(options.clock === undefined ? {} : { clock: options.clock });
  const bindings = { ...env, ...options.vars } as Bindings;
  async function raw(path: string, init?: RequestInit) {
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`${GATEWAY}${path}`, init), bindings, ctx);
    return { response, settled: () => waitOnExecutionContext(ctx) };
  }
  return {
    raw,
    async fetch(path, init) {
      const { response, settled } = await raw(path, init);
      const text = await response.text();
      await settled();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
  };
}

export function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

export const adminHeaders = { ...bearer(ADMIN_TOKEN), "Content-Type": "application/json" };

let counter = 0;
export function uniqueId(prefix = "acct"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface TestAccount {
  accountId: string;
  key: string;
  keyId: string;
}

/** A fresh account (unique per test, so no state is shared) with one key. */
export async function createAccount(
  gw: GatewayHarness,
  options: { tier?: string; scopes?: string[]; status?: string } = {},
): Promise<TestAccount> {
  const accountId = uniqueId();
  const account = await gw.fetch("/_gateway/admin/accounts", {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({
      id: accountId,
      tier: options.tier ?? "free",
      status: options.status ?? "active",
    }),
  });
  if (account.status !== 201) throw new Error(`account: ${account.status} ${account.text}`);
  const key = await gw.fetch("/_gateway/admin/keys", {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({
      account_id: accountId,
      scopes: options.scopes ?? ["submissions:read", "submissions:write"],
    }),
  });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${key.text}`);
  return { accountId, key: key.json.key, keyId: key.json.id };
}

/** Reads the test origin's counters for a tag (see scripts/demo-origin test controls). */
export async function originStats(tag: string): Promise<{
  count: number;
  in_flight: number;
  max_in_flight: number;
  /** Creates that arrived, executed or not. */
  creates: number;
  /** Creates the origin really executed (a replay of its own stored answer is not one). */
  executed_creates: number;
}> {
  const response = await fetch(`${originUrl()}/__test/stats?tag=${encodeURIComponent(tag)}`);
  return response.json();
}
