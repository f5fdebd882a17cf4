import type { Policy } from "../config/policy";
import { GatewayError } from "../errors/gateway-error";
import {
  ACCOUNT_STATUSES,
  type AccountLimits,
  type AccountStatus,
  type KeyLimits,
  type Scope,
} from "../model/records";
import { readBodyWithLimit } from "../validation/body-reader";
import { parseJsonBody } from "../validation/json-parse";

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

/** A key id as generateKeyId makes them; anything else names no key (and is no KV key). */
const KEY_ID = /^key_[0-9A-Za-z]{16}$/;

export function isKeyId(value: unknown): value is string {
  return typeof value === "string" && KEY_ID.test(value);
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

/** A key's scopes: each one the route document declares. */
export function scopes(value: unknown, declared: readonly string[]): Scope[] {
  if (
    !Array.isArray(value) ||
    !value.every((scope) => typeof scope === "string" && declared.includes(scope))
  ) {
    throw invalidField("scopes", `scopes must be a list of: ${declared.join(", ")}.`);
  }
  return [...new Set(value as Scope[])];
}

function limitValue(value: unknown, field: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalidField(field, `${field} must be a positive integer, or null for none.`);
  }
  return value;
}

function limitsObject(value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidField("limits", `limits must be an object of ${allowed.join(", ")}.`);
  }
  for (const field of Object.keys(value)) {
    if (!allowed.includes(field))
      throw invalidField(`limits.${field}`, `limits.${field} is not a known limit.`);
  }
  return value as Record<string, unknown>;
}

/** A key's own limit (`{"per_minute": N}`; null clears it). */
export function keyLimits(value: unknown): KeyLimits {
  const limits = limitsObject(value, ["per_minute"]);
  return {
    per_minute:
      limits.per_minute === undefined ? null : limitValue(limits.per_minute, "limits.per_minute"),
  };
}

/** An account's overrides: only the fields given change; null returns one to the tier's. */
export function accountLimits(value: unknown): Partial<AccountLimits> {
  const limits = limitsObject(value, ["per_minute", "in_flight", "per_day"]);
  const patch: Partial<AccountLimits> = {};
  for (const field of ["per_minute", "in_flight", "per_day"] as const) {
    if (limits[field] !== undefined) patch[field] = limitValue(limits[field], `limits.${field}`);
  }
  return patch;
}

export function name(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== "string" || value.length > MAX_NAME_LENGTH) {
    throw invalidField("name", `name must be a string of at most ${MAX_NAME_LENGTH} characters.`);
  }
  return value;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/i;
/** The instants an RFC 3339 timestamp can name once converted to UTC: years 0001 to 9999. */
const EARLIEST_MS = utcMs(1, 1, 1, 0, 0, 0, 0);
const LATEST_MS = utcMs(9999, 12, 31, 23, 59, 59, 999);

/** Date.UTC, but with every year as given (Date.UTC reads years 0–99 as 1900–1999). */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Epoch milliseconds of a strict RFC 3339 date-time, or NaN. Every field is range-checked
 * (`2026-02-30` does not roll over into March), offsets go to ±23:59, and the instant must stay
 * within years 0001–9999 in UTC so it can be written back as RFC 3339. Leap seconds (`:60`)
 * are refused: the gateway's clocks have none.
 */
export function parseRfc3339(value: string): number {
  const m = RFC3339.exec(value);
  if (m === null) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  ) {
    return Number.NaN;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return Number.NaN;
  }
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHour = Number(m[10]);
    const offsetMinute = Number(m[11]);
    if (offsetHour > 23 || offsetMinute > 59) return Number.NaN;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  }
  const millis = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const instant = utcMs(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return instant < EARLIEST_MS || instant > LATEST_MS ? Number.NaN : instant;
}

/** An RFC 3339 timestamp, as epoch milliseconds; null clears it. */
export function timestamp(value: unknown, field: string): number | null {
  if (value === null) return null;
  const parsed = typeof value === "string" ? parseRfc3339(value) : Number.NaN;
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
