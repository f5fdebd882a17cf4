import type { GatewayError } from "./gateway-error";

// Headers every gateway-made error carries (contract section 2), built once: the runtime copies
// a Headers object into a Response faster than it converts a plain object, header by header.
const ENVELOPE_HEADERS = new Headers({
  "Content-Type": "application/json",
  "Cache-Control": "no-store",
});
const UNAUTHENTICATED_HEADERS = new Headers(ENVELOPE_HEADERS);
UNAUTHENTICATED_HEADERS.set("WWW-Authenticate", "Bearer");

/**
 * Renders the platform's error envelope; the only place an error body is built. An answer to
 * HEAD carries the same status and headers and no body.
 */
export function renderErrorResponse(
  error: GatewayError,
  requestId: string,
  bodiless = false,
): Response {
  const body = JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      request_id: requestId,
    },
  });
  const response = new Response(bodiless ? null : body, {
    status: error.status,
    headers: error.status === 401 ? UNAUTHENTICATED_HEADERS : ENVELOPE_HEADERS,
  });
  response.headers.set("X-Request-Id", requestId);
  if (error.retryAfter !== undefined) {
    response.headers.set("Retry-After", String(error.retryAfter));
  }
  return response;
}
