/**
 * What usage is counted in (contract section 11): per key and per minute, how many requests
 * were admitted and the units they cost, the rejections by error code, and the classes of the
 * answers that came back from the origin. The account's object keeps them; the isolate sends
 * what only it saw in batches (isolate/usage-batch.ts).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** How long each granularity is kept, at least (section 11). */
export const RETENTION_MS = {
  minute: 7 * DAY_MS,
  hour: 90 * DAY_MS,
  day: 90 * DAY_MS,
} as const;

export type Granularity = keyof typeof RETENTION_MS;

export const ORIGIN_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;
export type OriginClass = (typeof ORIGIN_CLASSES)[number];

/** What a bucket holds: admissions, their units, rejections by code, the origin's answers. */
export interface UsageCounts {
  admitted: number;
  units: number;
  /** Error code → count. */
  rejected: Record<string, number>;
  origin: Record<OriginClass, number>;
}

/** One key's counts in one minute: what crosses from the isolate to the object. */
export interface UsageDelta extends UsageCounts {
  keyId: string;
  /** The minute's start, ms since the epoch (a multiple of MINUTE_MS). */
  minute: number;
}

/** A rejection as the console lists it: enough to find the request's log line. */
export interface RecentRejection {
  at: number;
  requestId: string;
  code: string;
  status: number;
  keyId: string;
  method: string;
  /** The path as sent, without its query (a query may carry what the caller did not mean to share). */
  path: string;
}

/** How many recent rejections an account keeps. */
export const RECENT_REJECTIONS_KEPT = 100;

export function minuteOf(now: number): number {
  return now - (now % MINUTE_MS);
}

/** Start of the bucket of `granularity` that holds `at` (UTC hours and days). */
export function bucketStart(at: number, granularity: Granularity): number {
  const size = granularity === "minute" ? MINUTE_MS : granularity === "hour" ? HOUR_MS : DAY_MS;
  return at - (((at % size) + size) % size);
}

/** The class of an HTTP status the origin answered with; 1xx never reaches a client here. */
export function originClass(status: number): OriginClass {
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  if (status >= 300) return "3xx";
  return "2xx";
}

export function emptyCounts(): UsageCounts {
  return {
    admitted: 0,
    units: 0,
    rejected: {},
    origin: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
  };
}

export function emptyDelta(keyId: string, minute: number): UsageDelta {
  return { keyId, minute, ...emptyCounts() };
}

/** Something was admitted or answered (rejections are kept apart). */
export function hasTraffic(counts: UsageCounts): boolean {
  return (
    counts.admitted > 0 || counts.units > 0 || ORIGIN_CLASSES.some((c) => counts.origin[c] > 0)
  );
}

/** Nothing at all in it: the usage query leaves such a bucket out. */
export function isEmpty(counts: UsageCounts): boolean {
  return !hasTraffic(counts) && Object.keys(counts.rejected).length === 0;
}
