import { ERROR_CATALOGUE, type ErrorCode } from "../errors/catalogue";
import { object, oneOf, ref, type Schema } from "./schema";

/**
 * The error envelope (contract section 2) and the catalogue's codes as components, read from
 * the catalogue itself: a code added there is in the document with its status, unedited.
 */

/** Codes the gateway answers with a status other than the catalogue's (validation/body-reader). */
const STATUS_OVERRIDES: Readonly<Record<number, readonly ErrorCode[]>> = {
  413: ["invalid_body"],
};

/** The gateway's request ids (http/request-id.ts); a client's odd one is replaced. */
const REQUEST_ID: Schema = { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" };

/** Status → the codes answered with it, in catalogue order. */
export function codesByStatus(): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  const add = (status: number, code: ErrorCode) =>
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) add(status, code as ErrorCode);
  for (const [status, codes] of Object.entries(STATUS_OVERRIDES)) {
    for (const code of codes) add(Number(status), code);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

export function errorResponseName(status: number): string {
  return `Error${status}`;
}

/** An operation's error answer: a reference to the status's response component. */
export function errorResponse(status: number): Schema {
  if (!codesByStatus().has(status)) throw new Error(`no catalogue code answers ${status}`);
  return { $ref: `#/components/responses/${errorResponseName(status)}` };
}

export function errorSchemas(): Record<string, Schema> {
  return {
    ErrorCode: oneOf(Object.keys(ERROR_CATALOGUE)),
    Error: object({
      error: object({
        code: ref("ErrorCode"),
        message: { type: "string", minLength: 1 },
        details: { type: "object", description: "Facts about the refusal (`field`, `limit`...)" },
        request_id: { ...REQUEST_ID, description: "Equal to the answer's X-Request-Id" },
      }),
    }),
  };
}

export function headerComponents(): Record<string, Schema> {
  return {
    "X-Request-Id": {
      description: "The request's id, on every answer",
      required: true,
      schema: REQUEST_ID,
    },
    "WWW-Authenticate": {
      description: "On every 401",
      required: true,
      schema: { const: "Bearer" },
    },
    "Retry-After": {
      description:
        "Seconds to wait (429, 503, idempotency_key_in_progress); in details.retry_after too",
      schema: { type: "integer", minimum: 1 },
    },
  };
}

export function header(name: string): Schema {
  return { $ref: `#/components/headers/${name}` };
}

/** One response per status: the envelope with `error.code` narrowed to that status's codes. */
export function errorResponses(): Record<string, Schema> {
  const responses: Record<string, Schema> = {};
  for (const [status, codes] of codesByStatus()) {
    const headers: Record<string, Schema> = { "X-Request-Id": header("X-Request-Id") };
    if (status === 401) headers["WWW-Authenticate"] = header("WWW-Authenticate");
    if (status === 409 || status === 429 || status === 503) {
      headers["Retry-After"] = header("Retry-After");
    }
    responses[errorResponseName(status)] = {
      description: `Refused: ${codes.join(", ")}`,
      headers,
      content: {
        "application/json": {
          schema: {
            allOf: [
              ref("Error"),
              {
                type: "object",
                properties: {
                  error: { type: "object", properties: { code: { type: "string", enum: codes } } },
                },
              },
            ],
          },
        },
      },
    };
  }
  return responses;
}
