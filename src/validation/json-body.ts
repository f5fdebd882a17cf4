import type { OutputUnit } from "@cfworker/json-schema";
import type { TierPolicy } from "../config/policy";
import { GatewayError } from "../errors/gateway-error";
import { valueAt } from "../routes/json-pointer";
import type { Operation } from "../routes/operation";
import { parseJsonBody } from "./json-parse";

function invalidBody(message: string, field?: string): GatewayError {
  return new GatewayError("invalid_body", {
    message,
    details: field === undefined ? {} : { field },
  });
}

/**
 * The field an error is about, dotted (`params.0.name`): the deepest instance it names, plus
 * the missing property of a `required` error. None for the body as a whole.
 */
function fieldOf(error: OutputUnit): string | undefined {
  const tokens = error.instanceLocation
    .replace(/^#\/?/, "")
    .split("/")
    .filter((token) => token !== "")
    .map((token) => decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~"));
  if (error.keyword === "required") {
    const missing = /"([^"]*)"/.exec(error.error)?.[1];
    if (missing !== undefined) tokens.push(missing);
  }
  return tokens.length === 0 ? undefined : tokens.join(".");
}

/**
 * A request body against its operation: none at all when the document does not require one,
 * else JSON (strictly, no key given twice), valid by the route document's schema (400 `invalid_body` naming the field), within the caller's tier caps
 * (403 `tier_limit_exceeded`). Throws the refusal.
 */
export function validateJsonBody(
  bytes: Uint8Array,
  operation: Operation,
  tierName: string,
  tier: TierPolicy,
): void {
  if (bytes.length === 0 && !operation.bodyRequired) return;
  const body = parseJsonBody(bytes);
  if (operation.body !== null) {
    const result = operation.body.validate(body);
    if (!result.valid) {
      // The last error is the most specific one (the others are the paths leading to it).
      const error = result.errors[result.errors.length - 1] as OutputUnit;
      const field = fieldOf(error);
      throw invalidBody(
        `The request body does not match its schema${field === undefined ? "" : ` at ${field}`}: ${error.error}`,
        field,
      );
    }
  }
  for (const cap of operation.tierCaps) {
    const value = valueAt(body, cap.tokens);
    const limit = tier[cap.policyField as keyof TierPolicy];
    if (typeof value !== "number" || typeof limit !== "number" || value <= limit) continue;
    throw new GatewayError("tier_limit_exceeded", {
      message: `${cap.field} is ${value}; the ${tierName} tier allows at most ${limit}.`,
      details: { field: cap.field, limit, value, tier: tierName },
    });
  }
}
