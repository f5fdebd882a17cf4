// The requests the suites send through the gateway and what their answers say: the one valid
// create body, a create, a read, any request with or without an Idempotency-Key, and the
// Retry-After and RateLimit values of an answer.
import { expect } from "vitest";
import { bearer, type GatewayHarness, type GatewayResponse } from "./gateway";

/** A valid submission create, within the free tier's caps (one credit at the demo origin). */
export const CREATE_BODY = { name: "test-run", num_generations: 10, num_genes: 4 };

export const JSON_HEADERS = { "Content-Type": "application/json" };

export interface SendOptions {
  /** Default POST. */
  method?: string;
  /** A string is sent as is (whitespace and key order kept); anything else is JSON-encoded. */
  body?: unknown;
  /** Sent as the Idempotency-Key header, as given. */
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}

/** A request carrying `apiKey` as its bearer token, JSON by default. */
export function requestInit(apiKey: string, options: SendOptions = {}): RequestInit {
  const headers: Record<string, string> = {
    ...bearer(apiKey),
    ...JSON_HEADERS,
    ...options.headers,
  };
  if (options.idempotencyKey !== undefined && options.idempotencyKey !== null) {
    headers["Idempotency-Key"] = options.idempotencyKey;
  }
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
  apiKey: string,
  path: string,
  options: SendOptions = {},
): Promise<GatewayResponse> {
  return gw.fetch(path, requestInit(apiKey, options));
}

/** Like `send`, but reads the body as bytes (for binary answers), completion work included. */
export async function sendForBytes(
  gw: GatewayHarness,
  apiKey: string,
  path: string,
  options: SendOptions = {},
): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const { response, settled } = await gw.raw(path, requestInit(apiKey, options));
  const bytes = new Uint8Array(await response.arrayBuffer());
  await settled();
  return { status: response.status, headers: response.headers, bytes };
}

/** A submission create (POST /v1/submissions), CREATE_BODY unless another body is given. */
export function create(
  gw: GatewayHarness,
  apiKey: string,
  headers: Record<string, string> = {},
  body: unknown = CREATE_BODY,
): Promise<GatewayResponse> {
  return send(gw, apiKey, "/v1/submissions", { headers, body });
}

/** A plain read (list, limit 1), optionally tagged so the origin counts it. */
/**
 * A request that is never a plain read (a bodiless POST to a route the table does not name):
 * it always takes one admission call, so the account object's exact window alone decides it,
 * to the millisecond. Plain reads of a busy key are admitted from leases (section 9).
 */
export function direct(
  gw: GatewayHarness,
  apiKey: string,
  headers: Record<string, string> = {},
): Promise<GatewayResponse> {
  return gw.fetch("/__test/fast", { method: "POST", headers: { ...bearer(apiKey), ...headers } });
}

export function read(
  gw: GatewayHarness,
  apiKey: string,
  headers: Record<string, string> = {},
): Promise<GatewayResponse> {
  return gw.fetch("/v1/submissions?limit=1", { headers: { ...bearer(apiKey), ...headers } });
}

/** The RateLimit-Policy of the default tiers (contract section 6). */
export const FREE_POLICY =
  '"minute";q=60;w=60, "daily";q=100;w=86400, "active";q=5;qu="concurrent-requests"';
export const PRO_POLICY =
  '"minute";q=600;w=60, "daily";q=5000;w=86400, "active";q=20;qu="concurrent-requests"';

export function countStatuses(responses: GatewayResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
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
