import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_CATALOGUE, type ErrorCode } from "./catalogue";

export type ErrorDetails = Record<string, string | number | boolean | string[] | null>;

export interface GatewayErrorOptions {
  message?: string;
  details?: ErrorDetails;
  /** Overrides the catalogue status where the contract says so (413 `invalid_body`). */
  status?: ContentfulStatusCode;
  /** Seconds for `Retry-After`; mirrored into `details.retry_after` as the contract requires. */
  retryAfter?: number;
  /** Why, for the log line only. Never rendered on the wire. */
  internalReason?: string;
}

/**
 * The one error type of the gateway. Everything the gateway decides itself is thrown (or
 * returned) as a GatewayError and rendered by the single error handler into the envelope.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly details: ErrorDetails;
  readonly retryAfter: number | undefined;
  readonly internalReason: string | undefined;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const entry = ERROR_CATALOGUE[code];
    // An expected answer, not a fault: skip the stack capture, which costs more than the
    // rest of a rejection.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(options.message ?? entry.message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? entry.status;
    this.retryAfter =
      options.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfter));
    this.details = { ...options.details };
    if (this.retryAfter !== undefined) this.details.retry_after = this.retryAfter;
    this.internalReason = options.internalReason;
  }
}
