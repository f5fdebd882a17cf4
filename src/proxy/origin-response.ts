import { GatewayError } from "../errors/gateway-error";
import { stripHopByHop } from "../http/header-names";
import { readLimited } from "../http/read-limited";

/** Upper bound on an origin 5xx body read to decide whether it is an envelope. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Retry hint when the origin gave none. */
export const DEFAULT_ORIGIN_RETRY_SECONDS = 5;

export function originUnavailable(
  reason: string,
  retryAfter: number,
  internalReason?: string,
): GatewayError {
  return new GatewayError("service_unavailable", {
    details: { reason },
    retryAfter,
    ...(internalReason === undefined ? {} : { internalReason }),
  });
}

/** True for a body of the platform's envelope shape: `{"error": {"code": "...", ...}}`. */
export function isErrorEnvelope(body: Uint8Array, contentType: string | null): boolean {
  if (contentType === null || !/json/i.test(contentType)) return false;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    if (typeof value !== "object" || value === null) return false;
    const error = (value as { error?: unknown }).error;
    return (
      typeof error === "object" &&
      error !== null &&
      typeof (error as { code?: unknown }).code === "string"
    );
  } catch {
    return false;
  }
}

/** Response headers passed back: the origin's, minus hop-by-hop ones; Location kept relative. */
export function clientHeaders(origin: Response, originUrl: string): Headers {
  const headers = new Headers(origin.headers);
  stripHopByHop(headers);
  headers.delete("Content-Length");
  const location = headers.get("Location");
  if (location?.startsWith(originUrl)) {
    // Redirects are passed back, never followed, and never reveal the origin's address.
    headers.set("Location", location.slice(originUrl.length) || "/");
  }
  return headers;
}

/**
 * An origin 5xx: its JSON envelope passes through unchanged; anything else (an HTML page from a
 * load balancer) is replaced by the gateway's own envelope. Returns the bytes to send, or the
 * gateway's error to answer instead.
 */
export async function passThroughOrReplace5xx(
  origin: Response,
  retryAfterSeconds: number | null,
): Promise<Uint8Array | GatewayError> {
  let body: Uint8Array | null = null;
  try {
    body =
      origin.body === null
        ? new Uint8Array(0)
        : await readLimited(origin.body, MAX_ERROR_BODY_BYTES);
  } catch {
    body = null;
  }
  if (body !== null && isErrorEnvelope(body, origin.headers.get("Content-Type"))) return body;
  const internalReason = `origin answered ${origin.status} without an envelope`;
  if (origin.status === 502 || origin.status === 503 || origin.status === 504) {
    return originUnavailable(
      "origin_unavailable",
      retryAfterSeconds ?? DEFAULT_ORIGIN_RETRY_SECONDS,
      internalReason,
    );
  }
  return new GatewayError("internal_error", { internalReason });
}
