// The harness every workerd suite runs on: the gateway app with real KV, Durable Objects and the
// test origin on loopback, a clock the test moves by hand, the credentials a request carries,
// and the origin's per-tag counters. Accounts and keys: accounts.ts; requests: requests.ts.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { Clock } from "../../../src/clock";
import type { Bindings } from "../../../src/env";
import { createGateway } from "../../../src/gateway";
import { type IsolateMemory, newIsolateMemory } from "../../../src/isolate/isolate-memory";

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
 * loopback; `vars` override the environment (a new env object, so config is parsed anew);
 * `routes` is another route document (OpenAPI 3.1 with x-gateway) instead of the default.
 */
export function gateway(
  options: {
    clock?: Clock;
    vars?: Partial<Bindings>;
    routes?: unknown;
    /**
     * Default: a fresh isolate that keeps its usage counts until told to send them, so suites
     * that count every storage call see only the request's own (usage tests pass their own).
     */
    memory?: IsolateMemory;
  } = {},
): GatewayHarness {
  const app = createGateway({
    memory: options.memory ?? newIsolateMemory({ usageFlushMs: null }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.routes === undefined ? {} : { routes: options.routes }),
  });
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
/** A fresh id (accounts, the origin's tags, request ids), unique per call. */
export function uniqueId(prefix = "acct"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface OriginStats {
  count: number;
  in_flight: number;
  max_in_flight: number;
  /** Creates that arrived, executed or not. */
  creates: number;
  /** Creates the origin really executed (a replay of its own stored answer is not one). */
  executed_creates: number;
}

/** Reads the test origin's counters for a tag (see scripts/demo-origin test controls). */
export async function originStats(tag: string): Promise<OriginStats> {
  const response = await fetch(`${originUrl()}/__test/stats?tag=${encodeURIComponent(tag)}`);
  return response.json();
}

/**
 * Waits until the test origin holds `count` requests of `tag` in flight: the observable sign
 * that a request was admitted and is now at the origin. Polls a condition, not a time window.
 */
export async function untilAtOrigin(tag: string, count = 1, timeoutMs = 5_000): Promise<void> {
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
