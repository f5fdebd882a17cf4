import { ACCOUNT_STATUSES, type AccountStatus, SCOPES, type Scope } from "../account/types";
import type { Policy } from "../config/policy";
import { GatewayError } from "../errors/gateway-error";
import { readBodyWithLimit } from "../validation/body-reader";
import { parseJsonBody } from "../validation/submission-body";

/** Validation of admin API bodies; every failure is 400 `invalid_body` naming the field. */
export type JsonObject = Record<string, unknown>;

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_LENGTH = 200;
const MAX_GRACE_SECONDS = 30 * 86_400;

export function invalidField(field: string, message: string): GatewayError {
  return new GatewayError("invalid_body", { message, details: { field } });
}

/** Admin bodies are a few fields; anything larger is refused before it is buffered. */
const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

export async function readJsonObject(request: Request): Promise<JsonObject> {
  const bytes = await readBodyWithLimit(request, ADMIN_BODY_LIMIT_BYTES);
  // An empty body is an empty object (`POST .../rotate` with no options).
  const value = new TextDecoder().decode(bytes).trim() === "" ? {} : parseJsonBody(bytes);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError("invalid_body", { message: "The request body must be a JSON object." });
  }
  return value as JsonObject;
}

export function rejectUnknown(body: JsonObject, allowed: readonly string[]): void {
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) throw invalidField(field, `${field} is not a known field.`);
  }
}

export function isAccountId(value: unknown): value is string {
  return typeof value === "string" && ACCOUNT_ID.test(value);
}

export function accountId(value: unknown, field = "id"): string {
  if (!isAccountId(value))
    throw invalidField(field, `${field} must be 1 to 64 characters of [A-Za-z0-9_-].`);
  return value;
}

export function tier(value: unknown, policy: Policy): string {
  if (typeof value !== "string" || !Object.hasOwn(policy.tiers, value)) {
    throw invalidField("tier", `tier must be one of: ${Object.keys(policy.tiers).join(", ")}.`);
  }
  return value;
}

export function status(value: unknown): AccountStatus {
  if (typeof value !== "string" || !ACCOUNT_STATUSES.includes(value as AccountStatus)) {
    throw invalidField("status", `status must be one of: ${ACCOUNT_STATUSES.join(", ")}.`);
  }
  return value as AccountStatus;
}

export function scopes(value: unknown): Scope[] {
  if (!Array.isArray(value) || !value.every((scope) => SCOPES.includes(scope as Scope))) {
    throw invalidField("scopes", `scopes must be a list of: ${SCOPES.join(", ")}.`);
  }
  return [...new Set(value as Scope[])];
}

export function name(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== "string" || value.length > MAX_NAME_LENGTH) {
    throw invalidField("name", `name must be a string of at most ${MAX_NAME_LENGTH} characters.`);
  }
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 timestamp, as epoch milliseconds; null clears it. */
export function timestamp(value: unknown, field: string): number | null {
  if (value === null) return null;
  const parsed = typeof value === "string" && RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed))
    throw invalidField(field, `${field} must be an RFC 3339 timestamp or null.`);
  return parsed;
}

export function graceSeconds(value: unknown): number {
  if (
    typeof value !== "number" ||
    !Number.isSafeInteger(value) ||
    value < 0 ||
    value > MAX_GRACE_SECONDS
  ) {
    throw invalidField(
      "grace_seconds",
      `grace_seconds must be an integer from 0 to ${MAX_GRACE_SECONDS}.`,
    );
  }
  return value;
}
