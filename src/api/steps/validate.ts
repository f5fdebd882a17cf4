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
import { validateListQuery } from "../../validation/list-query";
import { validateSubmissionBody } from "../../validation/submission-body";
import type { ApiRequest } from "../api-request";

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["POST", "PATCH", "DELETE"]);

/**
 * Step 4, what the request line and headers say: query parameters, the Idempotency-Key's
 * syntax, header values the origin would refuse, overrides the gateway will not pass on.
 */
export function validateRequestLine(req: ApiRequest): GatewayError | undefined {
  if (req.route.kind === "list_submissions") validateListQuery(req.route.search);
  if (IDEMPOTENT_METHODS.has(req.method)) {
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
 * Step 4, the body. It is buffered where it must be read (validation, fingerprints) and where
 * no Content-Length frames it: a chunked body is counted to its end before anything is
 * admitted, so a 413 never reaches the account's object or the origin. A declared length is
 * checked here and enforced by the runtime while the body streams to the origin.
 */
export function readBody(req: ApiRequest): GatewayError | undefined | Promise<undefined> {
  const { request, route, config } = req;
  if (request.body === null) return undefined;
  const isCreate = route.kind === "create_submission";
  const limit = isCreate
    ? config.policy.submission_body_limit_bytes
    : config.policy.default_body_limit_bytes;
  const chunked = !request.headers.has("Content-Length");
  if (isCreate || req.idempotencyKey !== null || chunked) {
    return readBodyWithLimit(request, limit).then((body) => {
      req.body = body;
      return undefined;
    });
  }
  return declaredLengthExceeds(request, limit) ? bodyTooLarge(limit) : undefined;
}

/** Step 4, what the body says: a create's schema and its tier's caps. */
export function validateBody(req: ApiRequest): undefined {
  if (req.route.kind !== "create_submission") return undefined;
  const tier = req.caller?.tier ?? "";
  validateSubmissionBody(
    req.body ?? new Uint8Array(0),
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
