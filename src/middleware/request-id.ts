import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming id when well formed (1–128 of `[A-Za-z0-9._:-]`), a new one otherwise. */
export function requestIdFor(incoming: string | null | undefined): string {
  return incoming != null && VALID_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/**
 * Keeps a well-formed incoming X-Request-Id (1–128 of `[A-Za-z0-9._:-]`), makes one otherwise,
 * and puts it on every response, whatever produced it.
 */
export function requestId(headerName = "X-Request-Id") {
  return createMiddleware<AppEnv>(async function requestIdMiddleware(c, next) {
    const id = requestIdFor(c.req.header(headerName));
    c.set("requestId", id);
    await next();
    c.res.headers.set(headerName, id);
  });
}
