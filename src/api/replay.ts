import type { StoredResponse } from "../account/contract";

/** A stored idempotent answer, byte for byte, marked as a replay. */
export function replayResponse(stored: StoredResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set("Idempotent-Replayed", "true");
  const body = stored.status === 204 || stored.status === 304 ? null : stored.body;
  return new Response(body, { status: stored.status, headers });
}
