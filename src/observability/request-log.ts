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
    const line: Record<string, string | number | null> = {
      request_id: c.var.requestId,
      method: c.req.method,
      path: c.req.path.slice(0, 512),
      status: c.res.status,
      code: log.code,
      account_id: log.accountId,
      key_id: log.keyId,
      decision: log.decision,
      total_ms: clock.now() - started,
      origin_ms: log.originMs,
    };
    if (log.reason !== null) line.reason = log.reason;
    console.log(JSON.stringify(line));
  });
}
