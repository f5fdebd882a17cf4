import type { GatewayError } from "./gateway-error";

/** Headers every gateway-made error carries (contract section 2). */
const ENVELOPE_HEADERS = {
  "Content-Type": "application/json",
  "Cache-Control": "no-store",
} as const;

/** Renders the platform's error envelope; the only place an error body is built. */
export function renderErrorResponse(error: GatewayError, requestId: string): Response {
  const body = JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      request_id: requestId,
    },
  });
  const headers = new Headers(ENVELOPE_HEADERS);
  headers.set("X-Request-Id", requestId);
  if (error.retryAfter !== undefined) headers.set("Retry-After", String(error.retryAfter));
  if (error.status === 401) headers.set("WWW-Authenticate", "Bearer");
  return new Response(body, { status: error.status, headers });
}
