import { createMiddleware } from "hono/factory";
import type { Clock } from "../clock";
import type { AppEnv, LogFields } from "../env";

/**
 * One JSON line per request (contract section 7). Only ids and outcomes are logged: never a
 * key, never the Authorization header, never a query string (it may carry secrets).
 */
export function requestLog(clock: Clock) {
  return createMiddleware<AppEnv>(async function requestLogMiddleware(c, next) {
    const started = clock.now();
    const log: LogFields = {
      decision: "unknown",
      code: null,
      accountId: null,
      keyId: null,
      originMs: null,
      reason: null,
    };
    c.set("log", log);
    await next();
    writeRequestLog(
      c.get("requestId"),
      c.req.method,
      c.req.path,
      c.res.status,
      log,
      clock.now() - started,
    );
  });
}

/** The line itself, shared with the pre-router fast path. */
export function writeRequestLog(
  requestId: string,
  method: string,
  path: string,
  status: number,
  log: LogFields,
  totalMs: number,
): void {
  const line: Record<string, string | number | null> = {
    request_id: requestId,
    method,
    path: path.slice(0, 512),
    status,
    code: log.code,
    account_id: log.accountId,
    key_id: log.keyId,
    decision: log.decision,
    total_ms: totalMs,
    origin_ms: log.originMs,
  };
  if (log.reason !== null) line.reason = log.reason;
  console.log(JSON.stringify(line));
}
