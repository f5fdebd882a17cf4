import {
  bucketStart,
  DAY_MS,
  emptyCounts,
  type Granularity,
  HOUR_MS,
  hasTraffic,
  isEmpty,
  MINUTE_MS,
  RECENT_REJECTIONS_KEPT,
  RETENTION_MS,
  type RecentRejection,
  type UsageCounts,
  type UsageDelta,
} from "../usage/usage-counts";

/** One bucket as the usage query answers it (contract section 11). */
export interface UsageBucket extends UsageCounts {
  start: number;
}

export interface UsageQuery {
  granularity: Granularity;
  /** Buckets that start at or after `from` (rounded down to the bucket) and before `to`. */
  from: number;
  to: number;
  keyId: string | null;
}

/** Stored granularities: days are summed from hours when asked for. */
const STORED = ["minute", "hour"] as const;
const SIZE = { minute: MINUTE_MS, hour: HOUR_MS } as const;

/**
 * The account's usage, per key, in minute and hour buckets (SQLite, migration 9), and the last
 * RECENT_REJECTIONS_KEPT rejections. Every count is written to both granularities at once, so
 * hours are exact without a roll-up; the alarm drops buckets past their retention. Bounded:
 * at most (keys × 7 days of minutes + keys × 90 days of hours) rows, times the codes seen.
 */
export class UsageLedger {
  constructor(private readonly sql: SqlStorage) {}

  /** An admission the object decided, in the same call. */
  admitted(keyId: string, units: number, now: number): void {
    for (const granularity of STORED) {
      this.sql.exec(
        `INSERT INTO usage (granularity, start, key_id, admitted, units) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT (granularity, start, key_id)
         DO UPDATE SET admitted = admitted + 1, units = units + excluded.units`,
        granularity,
        bucketStart(now, granularity),
        keyId,
        units,
      );
    }
  }

  /** A refusal the object decided, in the same call. */
  rejected(keyId: string, code: string, now: number): void {
    for (const granularity of STORED) this.addRejections(granularity, now, keyId, code, 1);
  }

  /** What an isolate counted (sent in a batch, off the request path). */
  add(delta: UsageDelta): void {
    const origin = delta.origin;
    const any = hasTraffic(delta);
    for (const granularity of STORED) {
      const start = bucketStart(delta.minute, granularity);
      if (any) {
        this.sql.exec(
          `INSERT INTO usage (granularity, start, key_id, admitted, units,
             origin_2xx, origin_3xx, origin_4xx, origin_5xx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (granularity, start, key_id) DO UPDATE SET
             admitted = admitted + excluded.admitted, units = units + excluded.units,
             origin_2xx = origin_2xx + excluded.origin_2xx,
             origin_3xx = origin_3xx + excluded.origin_3xx,
             origin_4xx = origin_4xx + excluded.origin_4xx,
             origin_5xx = origin_5xx + excluded.origin_5xx`,
          granularity,
          start,
          delta.keyId,
          delta.admitted,
          delta.units,
          origin["2xx"],
          origin["3xx"],
          origin["4xx"],
          origin["5xx"],
        );
      }
      for (const [code, count] of Object.entries(delta.rejected)) {
        if (count > 0) this.addRejections(granularity, start, delta.keyId, code, count);
      }
    }
  }

  private addRejections(
    granularity: (typeof STORED)[number],
    at: number,
    keyId: string,
    code: string,
    count: number,
  ): void {
    this.sql.exec(
      `INSERT INTO usage_rejections (granularity, start, key_id, code, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (granularity, start, key_id, code) DO UPDATE SET count = count + excluded.count`,
      granularity,
      bucketStart(at, granularity),
      keyId,
      code,
      count,
    );
  }

  /** Buckets oldest first; a bucket with nothing in it is left out. */
  query({ granularity, from, to, keyId }: UsageQuery): UsageBucket[] {
    const stored = granularity === "minute" ? "minute" : "hour";
    // Days are UTC days summed from their hours.
    const group = granularity === "day" ? `(start / ${DAY_MS}) * ${DAY_MS}` : "start";
    const first = bucketStart(from, granularity);
    const keyFilter = keyId === null ? "" : " AND key_id = ?";
    const args: (string | number)[] = [stored, first, to, ...(keyId === null ? [] : [keyId])];
    const buckets = new Map<number, UsageBucket>();
    const bucket = (start: number): UsageBucket => {
      let found = buckets.get(start);
      if (found === undefined) {
        found = { start, ...emptyCounts() };
        buckets.set(start, found);
      }
      return found;
    };
    const counted = this.sql.exec<{
      bucket: number;
      admitted: number;
      units: number;
      o2: number;
      o3: number;
      o4: number;
      o5: number;
    }>(
      `SELECT ${group} AS bucket, sum(admitted) AS admitted, sum(units) AS units,
         sum(origin_2xx) AS o2, sum(origin_3xx) AS o3, sum(origin_4xx) AS o4, sum(origin_5xx) AS o5
       FROM usage WHERE granularity = ? AND start >= ? AND start < ?${keyFilter}
       GROUP BY bucket`,
      ...args,
    );
    for (const row of counted) {
      const b = bucket(row.bucket);
      b.admitted = row.admitted;
      b.units = row.units;
      b.origin = { "2xx": row.o2, "3xx": row.o3, "4xx": row.o4, "5xx": row.o5 };
    }
    const rejected = this.sql.exec<{ bucket: number; code: string; n: number }>(
      `SELECT ${group} AS bucket, code, sum(count) AS n
       FROM usage_rejections WHERE granularity = ? AND start >= ? AND start < ?${keyFilter}
       GROUP BY bucket, code ORDER BY code`,
      ...args,
    );
    for (const row of rejected) bucket(row.bucket).rejected[row.code] = row.n;
    return [...buckets.values()].filter((b) => !isEmpty(b)).sort((a, b) => a.start - b.start);
  }

  /** Keeps the newest RECENT_REJECTIONS_KEPT. */
  addRecentRejections(rejections: readonly RecentRejection[]): void {
    if (rejections.length === 0) return;
    for (const r of rejections) {
      this.sql.exec(
        `INSERT INTO recent_rejections (at, request_id, code, status, key_id, method, path)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        r.at,
        r.requestId,
        r.code,
        r.status,
        r.keyId,
        r.method,
        r.path,
      );
    }
    this.sql.exec(
      `DELETE FROM recent_rejections WHERE seq NOT IN
         (SELECT seq FROM recent_rejections ORDER BY at DESC, seq DESC LIMIT ?)`,
      RECENT_REJECTIONS_KEPT,
    );
  }

  /** Newest first. */
  recentRejections(limit: number): RecentRejection[] {
    return this.sql
      .exec<{
        at: number;
        request_id: string;
        code: string;
        status: number;
        key_id: string;
        method: string;
        path: string;
      }>(
        `SELECT at, request_id, code, status, key_id, method, path FROM recent_rejections
         ORDER BY at DESC, seq DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((row) => ({
        at: row.at,
        requestId: row.request_id,
        code: row.code,
        status: row.status,
        keyId: row.key_id,
        method: row.method,
        path: row.path,
      }));
  }

  /** Drops every bucket that ended longer ago than its retention. */
  prune(now: number): void {
    for (const granularity of STORED) {
      const before = now - RETENTION_MS[granularity] - SIZE[granularity];
      this.sql.exec("DELETE FROM usage WHERE granularity = ? AND start < ?", granularity, before);
      this.sql.exec(
        "DELETE FROM usage_rejections WHERE granularity = ? AND start < ?",
        granularity,
        before,
      );
    }
  }

  /**
   * When the oldest bucket passes its retention, plus an hour: pruning at most hourly keeps the
   * alarm quiet under steady traffic, and a bucket is kept a little longer, never shorter.
   */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const granularity of STORED) {
      for (const table of ["usage", "usage_rejections"]) {
        // One min() per table: each is answered from its primary key's index (a min() over a
        // UNION would read every row), since this runs whenever the alarm is rescheduled.
        const oldest = this.sql
          .exec<{ start: number | null }>(
            `SELECT min(start) AS start FROM ${table} WHERE granularity = ?`,
            granularity,
          )
          .one().start;
        if (oldest === null) continue;
        const due = oldest + SIZE[granularity] + RETENTION_MS[granularity] + HOUR_MS;
        next = next === null ? due : Math.min(next, due);
      }
    }
    return next;
  }
}
