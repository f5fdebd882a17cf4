import { createMiddleware } from "hono/factory";
import { tierPolicyOf } from "../config/policy";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { fingerprintRequest } from "../idempotency/fingerprint";
import { parseIdempotencyKey } from "../idempotency/idempotency-key";
import { bodyTooLarge, declaredLengthExceeds, readBodyWithLimit } from "../validation/body-reader";
import { headerValueRefusal } from "../validation/header-values";
import { validateListQuery } from "../validation/list-query";
import { validateSubmissionBody } from "../validation/submission-body";

const IDEMPOTENT_METHODS = new Set(["POST", "PATCH", "DELETE"]);

/**
 * Step 4: everything decidable from the request itself — query parameters, the body (read with
 * its limit), tier caps and the Idempotency-Key — before any Durable Object is touched.
 */
export function validateRequest() {
  return createMiddleware<AppEnv>(async function validateRequestMiddleware(c, next) {
    const route = c.get("route");
    const config = c.get("config");
    const identity = c.get("identity");
    const request = c.req.raw;
    if (route.kind === "list_submissions") validateListQuery(route.search);

    const idempotencyHeader = IDEMPOTENT_METHODS.has(request.method)
      ? parseIdempotencyKey(request.headers.get("Idempotency-Key"))
      : ({ kind: "absent" } as const);
    if (idempotencyHeader.kind === "invalid") {
      throw new GatewayError("invalid_parameter", {
        message: "Idempotency-Key must be 1 to 255 printable ASCII characters.",
        details: { field: "Idempotency-Key" },
      });
    }
    const badHeader = headerValueRefusal(request.headers);
    if (badHeader !== null) throw badHeader;

    const isCreate = route.kind === "create_submission";
    const limit = isCreate
      ? config.policy.submission_body_limit_bytes
      : config.policy.default_body_limit_bytes;
    // Bodies are buffered where they must be read (validation, fingerprints) and where no
    // Content-Length frames them: a chunked body is counted to its end before anything is
    // admitted, so a 413 never reaches the account's object or the origin. A declared length
    // is checked here and enforced by the runtime while the body streams to the origin.
    const chunked = request.body !== null && !request.headers.has("Content-Length");
    let body: Uint8Array | null = null;
    if (isCreate || idempotencyHeader.kind === "valid" || chunked) {
      body = await readBodyWithLimit(request, limit);
    } else if (request.body !== null && declaredLengthExceeds(request, limit)) {
      throw bodyTooLarge(limit);
    }
    c.set("body", body);

    if (isCreate) {
      const tier = tierPolicyOf(config.policy, identity.tier);
      validateSubmissionBody(body ?? new Uint8Array(0), identity.tier, tier);
    }

    c.set("idempotency", null);
    if (idempotencyHeader.kind === "valid") {
      c.set("idempotency", {
        key: idempotencyHeader.key,
        fingerprint: await fingerprintRequest({
          method: request.method,
          pathWithQuery: `${route.path}${route.search}`,
          body: body ?? new Uint8Array(0),
        }),
      });
    }
    await next();
  });
}
