import type { ErrorHandler } from "hono";
import type { AppEnv } from "../env";
import { renderErrorResponse } from "./envelope";
import { GatewayError } from "./gateway-error";

/**
 * The single error handler: a GatewayError is rendered as its envelope; anything else is a
 * fault inside the gateway, logged in full and answered with a bare 500 `internal_error`.
 */
export const handleError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const error =
    err instanceof GatewayError
      ? err
      : new GatewayError("internal_error", { internalReason: describe(err) });
  const log = c.get("log");
  if (log !== undefined) {
    log.code = error.code;
    if (log.decision === "unknown") log.decision = "rejected";
    if (error.internalReason !== undefined) log.reason = error.internalReason;
  }
  if (!(err instanceof GatewayError)) {
    console.error(
      JSON.stringify({ request_id: requestId, event: "internal_error", error: describe(err) }),
    );
  }
  return renderErrorResponse(error, requestId);
};

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
