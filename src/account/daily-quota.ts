// Successful submission creates per account per UTC day.

const DAY_MS = 86_400_000;

// Every admission asks for the day; the answer changes once a day.
const lastDay = { number: Number.NaN, text: "" };

/** The UTC day of a time, `YYYY-MM-DD`. */
export function utcDay(now: number): string {
  const day = Math.floor(now / DAY_MS);
  if (day !== lastDay.number) {
    lastDay.number = day;
    lastDay.text = new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  return lastDay.text;
}

/** Milliseconds from `now` to the next 00:00 UTC. */
export function msToUtcMidnight(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS - now;
}

export class DailyQuota {
  constructor(private readonly sql: SqlStorage) {}

  used(day: string): number {
    const row = this.sql
      .exec<{ used: number }>("SELECT used FROM daily_usage WHERE day = ?", day)
      .toArray()[0];
    return row?.used ?? 0;
  }

  charge(day: string): void {
    this.sql.exec(
      `INSERT INTO daily_usage (day, used) VALUES (?, 1)
       ON CONFLICT (day) DO UPDATE SET used = used + 1`,
      day,
    );
  }

  /** Gives back a unit charged to `day` (never below zero). */
  refund(day: string): void {
    this.sql.exec("UPDATE daily_usage SET used = max(0, used - 1) WHERE day = ?", day);
  }

  /** Keeps only today and yesterday; older days can no longer be refunded into. */
  prune(now: number): void {
    this.sql.exec("DELETE FROM daily_usage WHERE day < ?", utcDay(now - DAY_MS));
  }
}
