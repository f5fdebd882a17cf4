// Expectations shared by the idempotency suites (test/worker/idempotency/*): what a first
// execution, a replay, an in-progress key and a mismatch look like, and a fresh key per call.
import { expect } from "vitest";
import type { GatewayResponse } from "../support/gateway";

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
