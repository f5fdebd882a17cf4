import { jsonString } from "../encoding/json-string";
import type { ErrorDetails, GatewayError } from "./gateway-error";

function isEmpty(details: ErrorDetails): boolean {
  for (const _ in details) return false;
  return true;
}

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
  // By hand, in the envelope's fixed shape: this runs for every refusal, floods included.
  const details = error.details;
  const body = `{"error":{"code":"${error.code}","message":${jsonString(error.message)},"details":${
    isEmpty(details) ? "{}" : JSON.stringify(details)
  },"request_id":${jsonString(requestId)}}}`;
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
