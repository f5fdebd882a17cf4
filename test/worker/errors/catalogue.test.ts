// The error catalogue and envelope (src/errors, contract section 2): every published code with
// its published status and nothing else, the envelope rendered exactly (no-store, request id,
// Retry-After, WWW-Authenticate on 401), and never an internal reason on the wire.
import { describe, expect, it } from "vitest";
import { ERROR_CATALOGUE, isErrorCode } from "../../../src/errors/catalogue";
import { renderErrorResponse } from "../../../src/errors/envelope";
import { GatewayError } from "../../../src/errors/gateway-error";

/** Every code and status of shared/seed/api-errors.txt, as published. */
const PUBLISHED: Record<string, number> = {
  invalid_parameter: 400,
  invalid_body: 400,
  validation_failed: 422,
  idempotency_key_mismatch: 422,
  missing_credentials: 401,
  invalid_credentials: 401,
  account_disabled: 401,
  insufficient_credits: 402,
  scope_required: 403,
  tier_limit_exceeded: 403,
  forbidden: 403,
  not_found: 404,
  state_conflict: 409,
  duplicate_resource: 409,
  idempotency_key_in_progress: 409,
  rate_limited: 429,
  capacity_exceeded: 429,
  too_many_active_api_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
};

describe("error catalogue", () => {
  it("knows every published code with its published status, and nothing else", () => {
    const known = Object.fromEntries(
      Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]),
    );
    expect(known).toEqual(PUBLISHED);
    expect(isErrorCode("rate_limited")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
  });

  it("renders exactly the envelope, with no-store and the request id", async () => {
    const response = renderErrorResponse(
      new GatewayError("rate_limited", { details: { limit: 60, window_s: 60 }, retryAfter: 2.2 }),
      "req-1",
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("X-Request-Id")).toBe("req-1");
    expect(response.headers.get("Retry-After")).toBe("3");
    expect(await response.json()).toEqual({
      error: {
        code: "rate_limited",
        message: ERROR_CATALOGUE.rate_limited.message,
        details: { limit: 60, window_s: 60, retry_after: 3 },
        request_id: "req-1",
      },
    });
  });

  it("adds WWW-Authenticate: Bearer to every 401", () => {
    for (const code of [
      "missing_credentials",
      "invalid_credentials",
      "account_disabled",
    ] as const) {
      const response = renderErrorResponse(new GatewayError(code), "r");
      expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
    }
  });

  it("keeps a retry hint of at least one second", () => {
    expect(new GatewayError("service_unavailable", { retryAfter: 0 }).retryAfter).toBe(1);
    expect(new GatewayError("service_unavailable", { retryAfter: 0 }).details.retry_after).toBe(1);
  });

  it("never renders the internal reason", async () => {
    const response = renderErrorResponse(
      new GatewayError("internal_error", { internalReason: "TypeError: secret stack" }),
      "r",
    );
    expect(await response.text()).not.toContain("secret stack");
  });
});
