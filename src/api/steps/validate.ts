import { tierPolicyOf } from "../../config/policy";
import { GatewayError } from "../../errors/gateway-error";
import { fingerprintRequest } from "../../idempotency/fingerprint";
import { parseIdempotencyKey } from "../../idempotency/idempotency-key";
import {
  bodyTooLarge,
  declaredLengthExceeds,
  readBodyWithLimit,
} from "../../validation/body-reader";
import { scanHeaders } from "../../validation/header-values";
import { validateJsonBody } from "../../validation/json-body";
import { validateQuery } from "../../validation/query-params";
import type { ApiRequest } from "../api-request";

/**
 * Step 4, what the request line and headers say: query parameters (the route document's
 * schemas), the Idempotency-Key's syntax, header values the origin would refuse, overrides the
 * gateway will not pass on.
 */
export function validateRequestLine(req: ApiRequest): GatewayError | undefined {
  const operation = req.operation;
  if (operation !== null) validateQuery(req.route.search, operation.query);
  if (req.processesIdempotency) {
    const header = parseIdempotencyKey(req.request.headers.get("Idempotency-Key"));
    if (header.kind === "invalid") {
      return new GatewayError("invalid_parameter", {
        message: "Idempotency-Key must be 1 to 255 printable ASCII characters.",
        details: { field: "Idempotency-Key" },
      });
    }
    if (header.kind === "valid") req.idempotencyKey = header.key;
  }
  const scan = scanHeaders(req.request.headers);
  req.withheld = scan.withheld;
  return scan.refusal ?? undefined;
}

/**
 * Step 4, the body. It is buffered where it must be read (validation, caps, fingerprints) and
 * where no Content-Length frames it: a chunked body is counted to its end before anything is
 * admitted, so a 413 never reaches the account's object or the origin. A declared length is
 * checked here and enforced by the runtime while the body streams to the origin.
 */
export function readBody(req: ApiRequest): GatewayError | undefined | Promise<undefined> {
  const { request, config } = req;
  const operation = req.operation;
  const readsBody = operation?.readsBody ?? false;
  if (request.body === null && !readsBody) return undefined;
  const limit =
    operation?.bodyLimitBytes ??
    (req.startsJob
      ? config.policy.submission_body_limit_bytes
      : config.policy.default_body_limit_bytes);
  const chunked = !request.headers.has("Content-Length");
  if (readsBody || req.idempotencyKey !== null || (request.body !== null && chunked)) {
    return readBodyWithLimit(request, limit).then((body) => {
      req.body = body;
      return undefined;
    });
  }
  return declaredLengthExceeds(request, limit) ? bodyTooLarge(limit) : undefined;
}

/** Step 4, what the body says: the route document's schema and the tier's caps. */
export function validateBody(req: ApiRequest): undefined {
  const operation = req.operation;
  if (operation === null || !operation.readsBody) return undefined;
  const tier = req.caller?.tier ?? "";
  validateJsonBody(
    req.body ?? new Uint8Array(0),
    operation,
    tier,
    tierPolicyOf(req.config.policy.tiers, tier),
  );
  return undefined;
}

/** The request's idempotency fingerprint (method, path with query, body), when it has a key. */
export function fingerprint(req: ApiRequest): undefined | Promise<undefined> {
  const key = req.idempotencyKey;
  if (key === null) return undefined;
  return fingerprintRequest({
    method: req.method,
    pathWithQuery: `${req.route.path}${req.route.search}`,
    body: req.body ?? new Uint8Array(0),
  }).then((value) => {
    req.idempotency = { key, fingerprint: value };
    return undefined;
  });
}
