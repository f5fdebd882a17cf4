import { GatewayError } from "../errors/gateway-error";
import {
  bucketStart,
  DAY_MS,
  type Granularity,
  HOUR_MS,
  MINUTE_MS,
  RETENTION_MS,
} from "../usage/usage-counts";
import { isKeyId, parseRfc3339 } from "./admin-input";

/** Validation of admin query strings; every failure is 400 `invalid_parameter` naming it. */
export function invalidParameter(field: string, message: string): GatewayError {
  return new GatewayError("invalid_parameter", { message, details: { field } });
}

/** The query string's parameters; an unknown or repeated one is refused, naming it. */
export function queryParams(url: string, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URL(url).searchParams) {
    if (!allowed.includes(name)) throw invalidParameter(name, `${name} is not a known parameter.`);
    if (params.has(name)) throw invalidParameter(name, `${name} is given more than once.`);
    params.set(name, value);
  }
  return params;
}

/** An integer parameter from 1 to `max`, or `fallback` when absent. */
export function limitParam(params: Map<string, string>, fallback: number, max: number): number {
  const raw = params.get("limit");
  if (raw === undefined) return fallback;
  const limit = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= max)) {
    throw invalidParameter("limit", `limit must be an integer from 1 to ${max}.`);
  }
  return limit;
}

function instant(params: Map<string, string>, field: "from" | "to"): number | null {
  const raw = params.get(field);
  if (raw === undefined) return null;
  const parsed = parseRfc3339(raw);
  if (Number.isNaN(parsed)) {
    throw invalidParameter(field, `${field} must be an RFC 3339 timestamp.`);
  }
  return parsed;
}

/** `from` and `to` (RFC 3339), defaulting to the `span` before `to` and to now. */
export function timeRange(
  params: Map<string, string>,
  now: number,
  span: number,
): { from: number; to: number } {
  const to = instant(params, "to") ?? now;
  const from = instant(params, "from") ?? to - span;
  if (from > to) throw invalidParameter("from", "from must not be after to.");
  return { from, to };
}

const GRANULARITIES: readonly Granularity[] = ["minute", "hour", "day"];

const BUCKET_MS: Record<Granularity, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/** The stored bucket each granularity is read from (days are summed from hours). */
const STORED_BUCKET_MS: Record<Granularity, number> = {
  minute: MINUTE_MS,
  hour: HOUR_MS,
  day: HOUR_MS,
};

/** What each granularity shows when `from` is not given. */
const DEFAULT_SPAN_MS: Record<Granularity, number> = {
  minute: 3_600_000,
  hour: 86_400_000,
  day: 7 * 86_400_000,
};

export interface UsageParams {
  granularity: Granularity;
  from: number;
  to: number;
  keyId: string | null;
}

/** `GET .../usage?from=&to=&granularity=minute|hour|day&key_id=` (contract section 11). */
export function usageParams(url: string, now: number): UsageParams {
  const params = queryParams(url, ["from", "to", "granularity", "key_id"]);
  const raw = params.get("granularity") ?? "minute";
  const granularity = GRANULARITIES.find((g) => g === raw);
  if (granularity === undefined) {
    throw invalidParameter("granularity", "granularity must be one of minute, hour, day.");
  }
  // The first bucket starts at `from` rounded down; it must start where everything is kept.
  // Without `from`, the default span is cut to what is kept instead.
  const earliest = now - RETENTION_MS[granularity] - STORED_BUCKET_MS[granularity];
  const range = timeRange(params, now, DEFAULT_SPAN_MS[granularity]);
  const to = range.to;
  let from = range.from;
  if (!params.has("from") && bucketStart(from, granularity) < earliest) {
    from = Math.min(to, bucketStart(earliest, granularity) + BUCKET_MS[granularity]);
  }
  if (bucketStart(from, granularity) < earliest) {
    const days = RETENTION_MS[granularity] / 86_400_000;
    throw invalidParameter(
      "from",
      `from is before what is kept: ${granularity} buckets are kept ${days} days.`,
    );
  }
  const keyId = params.get("key_id") ?? null;
  if (keyId !== null && !isKeyId(keyId)) {
    throw invalidParameter("key_id", "key_id is not a key id.");
  }
  return { granularity, from, to, keyId };
}
