// The one check of a gateway-made error (contract section 2), shared by every suite.
import { expect } from "vitest";
import { ERROR_CATALOGUE } from "../../../src/errors/catalogue";
import type { GatewayResponse } from "./gateway";

const CATALOGUE_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CATALOGUE));

/**
 * Checks the contract's envelope: exactly {error: {code, message, details, request_id}}, a
 * catalogue code (this one when given), details an object (these when given), request_id equal
 * to a well-formed X-Request-Id, the envelope headers, Retry-After mirrored where the contract
 * requires it, WWW-Authenticate on 401, and no stack trace on the wire. Returns the error.
 */
export function expectEnvelope(
  res: GatewayResponse,
  status: number,
  code?: string,
  details?: Record<string, unknown>,
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
  if (details !== undefined) expect(error.details).toEqual(details);
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
  expect(res.text).not.toMatch(/\bat [\w.]+ \(|Error: |TypeError|stack/);
  return error;
}
