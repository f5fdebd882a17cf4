// Small helpers shared by every route of the demo origin: the platform error envelope, JSON
// answers and bounded body reading. Kept dependency-free (node:http only) so the origin is also
// a cheap, predictable benchmark target.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Thrown by handlers; rendered as the platform envelope by the single error handler. */
export class OriginError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "OriginError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

// Unique per process start plus a counter: cheap enough for the benchmark's direct hits.
const REQUEST_ID_PREFIX = `req_${randomBytes(6).toString("hex")}_`;
let requestCounter = 0;

/** The incoming X-Request-Id (the gateway always sends one); a fresh one when called directly. */
export function requestIdOf(req: IncomingMessage): string {
  const raw = req.headers["x-request-id"];
  if (typeof raw === "string" && raw.length > 0) return raw;
  requestCounter++;
  return `${REQUEST_ID_PREFIX}${requestCounter}`;
}

/**
 * A complete answer, built before anything is written: routes return one, so it can be stored
 * for idempotent replay, or held back and bent by a test control, before it goes out.
 */
export interface Answer {
  status: number;
  /** Lower-case names. content-length is derived from `body` when the answer is written. */
  headers: Record<string, string>;
  body: Buffer;
}

export function jsonAnswer(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Answer {
  return {
    status,
    headers: { ...headers, "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** Every error this origin answers has the platform's one shape (GATEWAY.md section 2). */
export function errorAnswer(error: OriginError, requestId: string): Answer {
  return jsonAnswer(
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        details: error.details,
        request_id: requestId,
      },
    },
    { ...error.headers, "cache-control": "no-store" },
  );
}

/** The status line and headers of an answer (content-length included), without its body. */
export function writeAnswerHead(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-length": String(answer.body.length),
  });
}

export function writeAnswer(res: ServerResponse, answer: Answer): void {
  writeAnswerHead(res, answer);
  res.end(answer.body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  writeAnswer(res, jsonAnswer(status, body, headers));
}

/**
 * Reads the whole request body, refusing more than `limitBytes` so a client cannot make the
 * origin buffer without bound.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        done = true;
        req.off("data", onData);
        req.resume(); // drain the rest so the connection can answer
        reject(
          new OriginError(
            413,
            "invalid_body",
            `The request body is larger than ${limitBytes} bytes.`,
            { reason: "body_too_large", limit_bytes: limitBytes },
            { connection: "close" },
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.once("error", (err) => {
      if (!done) reject(err);
    });
  });
}

/** Splits `req.url` without the cost of a full URL parse (this runs on every request). */
export function splitUrl(rawUrl: string): { pathname: string; query: URLSearchParams } {
  const q = rawUrl.indexOf("?");
  if (q === -1) return { pathname: rawUrl, query: new URLSearchParams() };
  return { pathname: rawUrl.slice(0, q), query: new URLSearchParams(rawUrl.slice(q + 1)) };
}

/**
 * A method the route does not serve. The platform's catalogue has no 405 code, so this is its
 * `not_found` (no such route) with the methods that exist in `Allow` and `details.allow`.
 */
export function methodNotAllowed(allow: string): OriginError {
  return new OriginError(
    404,
    "not_found",
    `No such route; this endpoint only accepts ${allow}.`,
    { allow: allow.split(", ") },
    { allow },
  );
}
