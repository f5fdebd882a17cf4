// The admitted floor: a pass-through Worker that does exactly and only what the contract requires
// of an admitted proxied answer, and nothing else (no key, no limits, no state, no Durable
// Object): the origin request's headers are the client's minus Authorization and Host, plus the
// identity the gateway adds (fixed strings here) and the request id; the origin exchange is
// armed with a timeout (AbortController + setTimeout, cleared once the headers arrive) and never
// follows redirects; the answer carries the origin's headers minus the hop-by-hop ones and
// Content-Length, plus X-Request-Id and the RateLimit headers (fixed strings); and one JSON log
// line is written. Against the pass-through it measures what the required work alone costs on
// this runtime; against it, the gateway's admitted GET measures the gateway's own work. The
// shapes mirror src/proxy/origin-request.ts, src/proxy/origin-exchange.ts,
// src/proxy/origin-response.ts, src/exit/rate-limit-headers.ts and
// src/observability/request-log.ts.
interface AdmittedFloorEnv {
  ORIGIN_URL: string;
}

/** The gateway's default origin timeout. */
const ORIGIN_TIMEOUT_MS = 30_000;
/** The log line's path is cut there (src/observability/request-log.ts). */
const MAX_LOGGED_PATH = 512;

const ACCOUNT_ID = "bench-admitted";
const KEY_ID = "key_0123456789abcdef";
const SCOPES = "submissions:read submissions:write";
const TIER = "bench";
// The bench tier's policies and a full minute window, shaped as src/exit/rate-limit-headers.ts
// shapes them.
const RATE_LIMIT_POLICY =
  '"minute";q=100000000;w=60, "daily";q=100000000;w=86400, "active";q=100000;qu="concurrent-requests"';
const RATE_LIMIT = '"minute";r=100000000;t=0';

/** Hop-by-hop headers (RFC 9110 section 7.6.1) plus the usual non-standard ones. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
] as const;

const BODYLESS_METHODS = new Set(["GET", "HEAD"]);

export default {
  async fetch(request: Request, env: AdmittedFloorEnv): Promise<Response> {
    const started = Date.now();
    // One id for the origin request, the answer and the log line, as the gateway's.
    const requestId = crypto.randomUUID();
    // The path and query as sent, by slicing (as the gateway does), not by parsing a URL.
    const url = request.url;
    const start = url.indexOf("/", url.indexOf(":") + 3);
    const query = url.indexOf("?", start);
    const path = url.slice(start, query === -1 ? undefined : query);

    const headers = new Headers(request.headers);
    headers.delete("authorization");
    headers.delete("host");
    headers.set("X-Gateway-Account-Id", ACCOUNT_ID);
    headers.set("X-Gateway-Key-Id", KEY_ID);
    headers.set("X-Gateway-Scopes", SCOPES);
    headers.set("X-Gateway-Tier", TIER);
    headers.set("X-Request-Id", requestId);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ORIGIN_TIMEOUT_MS);
    let origin: Response;
    try {
      origin = await fetch(`${env.ORIGIN_URL}${url.slice(start)}`, {
        method: request.method,
        headers,
        body: BODYLESS_METHODS.has(request.method) ? null : request.body,
        redirect: "manual",
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
    const originMs = Date.now() - started;

    const responseHeaders = new Headers(origin.headers);
    for (const name of HOP_BY_HOP) responseHeaders.delete(name);
    responseHeaders.delete("content-length");
    responseHeaders.set("X-Request-Id", requestId);
    responseHeaders.set("RateLimit-Policy", RATE_LIMIT_POLICY);
    responseHeaders.set("RateLimit", RATE_LIMIT);
    const response = new Response(origin.body, {
      status: origin.status,
      headers: responseHeaders,
    });
    console.log(
      `{"request_id":"${requestId}","method":${JSON.stringify(request.method)},"path":${JSON.stringify(
        path.slice(0, MAX_LOGGED_PATH),
      )},"status":${origin.status},"code":null,"account_id":"${ACCOUNT_ID}","key_id":"${KEY_ID}","decision":"admitted","total_ms":${
        Date.now() - started
      },"origin_ms":${originMs}}`,
    );
    return response;
  },
};
