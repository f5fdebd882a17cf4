// The envelope floor: an empty Worker that gives the answer the contract asks of a 401 and does
// nothing else: the error envelope with a fresh request id, Content-Type, Cache-Control,
// WWW-Authenticate and X-Request-Id, and one JSON log line. Against the floor it measures what
// the answer itself costs on this runtime; against it, the gateway's 401 measures the gateway's
// own work. The shapes mirror src/errors/envelope.ts and src/observability/request-log.ts.
const HEADERS = new Headers({
  "Content-Type": "application/json",
  "Cache-Control": "no-store",
  "WWW-Authenticate": "Bearer",
});

/** The path as sent, by slicing (as the gateway does), not by parsing a URL. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf(":") + 3);
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}

export default {
  fetch(request: Request): Response {
    const requestId = crypto.randomUUID();
    const response = new Response(
      JSON.stringify({
        error: {
          code: "missing_credentials",
          message: "No Authorization header.",
          details: {},
          request_id: requestId,
        },
      }),
      { status: 401, headers: HEADERS },
    );
    response.headers.set("X-Request-Id", requestId);
    console.log(
      JSON.stringify({
        request_id: requestId,
        method: request.method,
        path: pathOf(request.url),
        status: 401,
        code: "missing_credentials",
        account_id: null,
        key_id: null,
        decision: "rejected",
        total_ms: 0,
        origin_ms: null,
      }),
    );
    return response;
  },
};
