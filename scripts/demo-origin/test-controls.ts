// Test controls of the demo origin (only with `testControls: true`, never in `npm start`):
// request headers that bend any answer (delay, status, body shape, Retry-After, tag, a late
// body, a dropped connection) and the /__test/* endpoints the gateway's tests and the benchmark
// use to observe the origin.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Answer,
  errorAnswer,
  jsonAnswer,
  methodNotAllowed,
  OriginError,
  readBody,
  sendJson,
} from "./http-util.ts";

export const MAX_DELAY_MS = 60_000;
const MAX_ECHO_BYTES = 32 * 1024 * 1024;
const MAX_BIG_BYTES = 1024 * 1024 * 1024;

/**
 * Where X-Test-Drop destroys the socket: `before-execute` once the request body is read, without
 * running the route; `after-execute` once the route ran (its answer stored for idempotent
 * replay), instead of sending that answer. With X-Test-Status nothing runs: both drop at once.
 */
export type DropPoint = "before-execute" | "after-execute";

export interface TestDirectives {
  /** X-Test-Delay-Ms: wait this long before running the route. */
  delayMs: number;
  status: number | undefined;
  body: "json" | "html" | "empty";
  retryAfter: string | undefined;
  tag: string | undefined;
  /** X-Test-Body-Delay-Ms: the status line and headers at once, the body this much later. */
  bodyDelayMs: number;
  drop: DropPoint | undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value.trim() : undefined;
}

function badHeader(name: string, rule: string): OriginError {
  return new OriginError(400, "invalid_parameter", `${name} must be ${rule}.`, { field: name });
}

/** Reads the X-Test-* headers; a malformed one is a loud 400 rather than a silent no-op. */
export function readTestDirectives(req: IncomingMessage): TestDirectives {
  const delay = header(req, "x-test-delay-ms");
  const status = header(req, "x-test-status");
  const body = header(req, "x-test-body");
  const retryAfter = header(req, "x-test-retry-after");
  const tag = header(req, "x-test-tag");
  const bodyDelay = header(req, "x-test-body-delay-ms");
  const drop = header(req, "x-test-drop");

  let delayMs = 0;
  if (delay !== undefined) {
    if (!/^[0-9]{1,9}$/.test(delay)) throw badHeader("X-Test-Delay-Ms", "a whole number");
    delayMs = Math.min(Number(delay), MAX_DELAY_MS);
  }
  let statusCode: number | undefined;
  if (status !== undefined) {
    statusCode = Number(status);
    if (!/^[0-9]{3}$/.test(status) || statusCode < 200 || statusCode > 599) {
      throw badHeader("X-Test-Status", "an HTTP status from 200 to 599");
    }
  }
  if (body !== undefined && body !== "json" && body !== "html" && body !== "empty") {
    throw badHeader("X-Test-Body", "json, html or empty");
  }
  if (retryAfter !== undefined && !/^[0-9]{1,9}$/.test(retryAfter)) {
    throw badHeader("X-Test-Retry-After", "a whole number of seconds");
  }
  let bodyDelayMs = 0;
  if (bodyDelay !== undefined) {
    bodyDelayMs = /^[0-9]{1,9}$/.test(bodyDelay) ? Number(bodyDelay) : -1;
    if (bodyDelayMs < 0 || bodyDelayMs > MAX_DELAY_MS) {
      throw badHeader("X-Test-Body-Delay-Ms", `a whole number from 0 to ${MAX_DELAY_MS}`);
    }
  }
  if (drop !== undefined && drop !== "before-execute" && drop !== "after-execute") {
    throw badHeader("X-Test-Drop", "before-execute or after-execute");
  }
  return {
    delayMs,
    status: statusCode,
    body: body ?? "json",
    retryAfter,
    tag: tag === "" ? undefined : tag,
    bodyDelayMs,
    drop,
  };
}

/**
 * Waits `ms` unless the client hangs up (a gateway timeout) or `signal` aborts (the server
 * closes); false when it stopped early.
 */
export async function pause(
  res: ServerResponse,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (ms <= 0) return true;
  if (res.destroyed) return false;
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  res.once("close", onClose);
  try {
    await sleep(ms, undefined, { signal: AbortSignal.any([gone.signal, signal]) });
    return true;
  } catch {
    return false;
  } finally {
    res.off("close", onClose);
  }
}

/** The catalogue code an X-Test-Status answer carries, so it looks like a real origin error. */
function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "invalid_body";
    case 401:
      return "invalid_credentials";
    case 402:
      return "insufficient_credits";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "state_conflict";
    case 422:
      return "validation_failed";
    case 429:
      return "rate_limited";
    case 502:
    case 503:
    case 504:
      return "service_unavailable";
    default:
      return status >= 500 ? "internal_error" : "test_status";
  }
}

/** The answer to an X-Test-Status, given instead of running the route. */
export function testStatusAnswer(
  directives: TestDirectives,
  status: number,
  requestId: string,
): Answer {
  const reason = STATUS_CODES[status] ?? "Status";
  if (directives.body === "empty" || status === 204 || status === 304) {
    return { status, headers: {}, body: Buffer.alloc(0) };
  }
  if (directives.body === "html") {
    const page = `<html><head><title>${status} ${reason}</title></head><body><h1>${status} ${reason}</h1><p>demo origin test page</p></body></html>`;
    return {
      status,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: Buffer.from(page),
    };
  }
  if (status < 400) return jsonAnswer(status, { test_status: status });
  return errorAnswer(
    new OriginError(status, codeForStatus(status), `Demo origin test answer: ${status} ${reason}.`),
    requestId,
  );
}

interface TagStats {
  count: number;
  inFlight: number;
  maxInFlight: number;
  /** POST /v1/submissions requests that arrived, whatever became of them. */
  creates: number;
  /** Submissions the store actually created (not refused, dropped before running or replayed). */
  executedCreates: number;
}

/** Per-tag request counters, so concurrent tests only see their own traffic. */
export class RequestStats {
  readonly #byTag = new Map<string, TagStats>();

  #get(tag: string): TagStats {
    let stats = this.#byTag.get(tag);
    if (stats === undefined) {
      stats = { count: 0, inFlight: 0, maxInFlight: 0, creates: 0, executedCreates: 0 };
      this.#byTag.set(tag, stats);
    }
    return stats;
  }

  /** Counts the request now; it stays in flight until its response finishes or is cut. */
  track(tag: string, isCreate: boolean, res: ServerResponse): void {
    const stats = this.#get(tag);
    stats.count++;
    if (isCreate) stats.creates++;
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    // reset() keeps this record, so in_flight stays a live count across resets.
    res.once("close", () => {
      stats.inFlight--;
    });
  }

  /** Counts a submission the store created for a request of this tag. */
  countExecutedCreate(tag: string): void {
    this.#get(tag).executedCreates++;
  }

  snapshot(tag: string): {
    count: number;
    in_flight: number;
    max_in_flight: number;
    creates: number;
    executed_creates: number;
  } {
    const stats = this.#byTag.get(tag);
    return {
      count: stats?.count ?? 0,
      in_flight: stats?.inFlight ?? 0,
      max_in_flight: stats?.maxInFlight ?? 0,
      creates: stats?.creates ?? 0,
      executed_creates: stats?.executedCreates ?? 0,
    };
  }

  /** Clears the history of one tag (or every tag); requests still in flight stay counted. */
  reset(tag: string | undefined): void {
    const tags = tag === undefined ? [...this.#byTag.keys()] : [tag];
    for (const t of tags) {
      const stats = this.#byTag.get(t);
      if (stats === undefined) continue;
      stats.count = 0;
      stats.creates = 0;
      stats.executedCreates = 0;
      stats.maxInFlight = stats.inFlight;
    }
  }
}

/** Paths whose requests never count in the stats (observing must not change what is observed). */
export function isUncountedPath(pathname: string): boolean {
  return (
    pathname === "/__test/stats" ||
    pathname === "/__test/reset-stats" ||
    pathname === "/__test/echo" ||
    pathname.startsWith("/__test/echo/")
  );
}

export interface TestEndpointContext {
  req: IncomingMessage;
  res: ServerResponse;
  pathname: string;
  query: URLSearchParams;
  stats: RequestStats;
}

/** Answers a /__test/* path; false when the path is not one of them. */
export async function handleTestEndpoint(ctx: TestEndpointContext): Promise<boolean> {
  const { req, res, pathname, query } = ctx;
  const method = req.method ?? "GET";
  if (pathname === "/__test/echo" || pathname.startsWith("/__test/echo/")) {
    await echo(req, res);
    return true;
  }
  switch (pathname) {
    case "/__test/fast":
      sendJson(res, 200, { ok: true });
      return true;
    case "/__test/redirect":
      res.writeHead(302, { location: "/v1/elsewhere", "content-length": "0" });
      res.end();
      return true;
    case "/__test/reset":
      resetMidBody(res);
      return true;
    case "/__test/big":
      await big(res, query);
      return true;
    case "/__test/stats": {
      if (method !== "GET") throw methodNotAllowed("GET");
      const tag = query.get("tag");
      if (tag === null || tag === "") {
        throw new OriginError(400, "invalid_parameter", "tag is required.", { field: "tag" });
      }
      sendJson(res, 200, ctx.stats.snapshot(tag));
      return true;
    }
    case "/__test/reset-stats": {
      if (method !== "POST") throw methodNotAllowed("POST");
      const tag = query.get("tag");
      ctx.stats.reset(tag === null || tag === "" ? undefined : tag);
      sendJson(res, 200, { reset: true });
      return true;
    }
    default:
      return false;
  }
}

/** Headers as they arrived, names lower-cased; repeated headers joined with ", ". */
function receivedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    const value = raw[i + 1] ?? "";
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return headers;
}

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, MAX_ECHO_BYTES);
  sendJson(res, 200, {
    method: req.method,
    path: req.url,
    headers: receivedHeaders(req),
    body: body.toString("utf8"),
    body_bytes: body.length,
  });
}

// Announces a long body, sends a slice of it, then cuts the connection: the client sees a
// response that dies mid-body.
function resetMidBody(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "1048576" });
  res.write(Buffer.alloc(1024, "x"), () => {
    res.socket?.destroy();
  });
}

async function big(res: ServerResponse, query: URLSearchParams): Promise<void> {
  const raw = query.get("bytes") ?? "";
  const total = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : -1;
  if (total < 0 || total > MAX_BIG_BYTES) {
    throw new OriginError(
      400,
      "invalid_parameter",
      `bytes must be an integer from 0 to ${MAX_BIG_BYTES}.`,
      { field: "bytes" },
    );
  }
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": String(total),
  });
  const chunk = Buffer.alloc(64 * 1024, "x");
  let left = total;
  while (left > 0 && !res.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!res.write(piece)) {
      // Respect backpressure, and stop if the client goes away meanwhile.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.once("drain", done);
        res.once("close", done);
      });
    }
  }
  res.end();
}
