import type { UsageBatchPayload } from "../account/contract";
import { describeFault } from "../observability/fault";
import {
  emptyDelta,
  minuteOf,
  type OriginClass,
  RECENT_REJECTIONS_KEPT,
  type RecentRejection,
  type UsageDelta,
} from "../usage/usage-counts";

/** Section 11: what the isolate counted reaches the account's object at least this often. */
export const USAGE_FLUSH_MS = 10_000;

/**
 * One send leaves from one request's `waitUntil`, with at most this many accounts: within the
 * Workers Free plan's 50 subrequests per request, with room for the request's own.
 */
export const ACCOUNTS_PER_SEND = 40;

/** Accounts held at most; counts for more are dropped (and logged) until a send makes room. */
export const MAX_ACCOUNTS = 10_000;

interface AccountBatch {
  /** Key id → that key's counts per minute, oldest first (a batch spans one or two minutes). */
  deltas: Map<string, UsageDelta[]>;
  rejections: RecentRejection[];
}

export type UsageSender = (accountId: string, payload: UsageBatchPayload) => Promise<void>;

/**
 * The usage only an isolate sees (contract section 11): the rejections it decides for a known
 * account, the reads it admits on a lease or while the object is unreachable, the classes of
 * the origin's answers, and recent rejections with their request ids. Counted in memory on the
 * request path (no I/O), sent to each account's object in one call per account, after a
 * response, USAGE_FLUSH_MS after the first count of a batch (what one send leaves behind goes
 * with the next request's). Lost if the isolate dies first: usage is a report, not a limit.
 */
export class UsageBatch {
  private accounts = new Map<string, AccountBatch>();
  /** Where counts go while MAX_ACCOUNTS are held: never sent. */
  private readonly overflow: AccountBatch = { deltas: new Map(), rejections: [] };
  private dropped = 0;
  /** A send is scheduled or on its way. */
  private sending = false;
  /** When (real time) the oldest counts are due to be sent. */
  private dueAt = 0;

  /** `flushMs` null: nothing is sent until `flush` is called (tests that count every call). */
  constructor(private readonly flushMs: number | null = USAGE_FLUSH_MS) {}

  private of(accountId: string): AccountBatch {
    let batch = this.accounts.get(accountId);
    if (batch === undefined) {
      if (this.accounts.size >= MAX_ACCOUNTS) {
        this.dropped++;
        this.overflow.deltas.clear();
        this.overflow.rejections.length = 0;
        return this.overflow;
      }
      if (this.accounts.size === 0) this.dueAt = Date.now() + (this.flushMs ?? 0);
      batch = { deltas: new Map(), rejections: [] };
      this.accounts.set(accountId, batch);
    }
    return batch;
  }

  private delta(batch: AccountBatch, keyId: string, now: number): UsageDelta {
    const minute = minuteOf(now);
    let minutes = batch.deltas.get(keyId);
    if (minutes === undefined) {
      minutes = [];
      batch.deltas.set(keyId, minutes);
    }
    // Counts arrive in time order, so the minute is the last one or a new one; a clock that
    // stepped back finds its minute further up.
    let delta = minutes[minutes.length - 1];
    if (delta?.minute !== minute) delta = minutes.find((d) => d.minute === minute);
    if (delta === undefined) {
      delta = emptyDelta(keyId, minute);
      minutes.push(delta);
    }
    return delta;
  }

  admitted(accountId: string, keyId: string, units: number, now: number): void {
    const delta = this.delta(this.of(accountId), keyId, now);
    delta.admitted += 1;
    delta.units += units;
  }

  /** A rejection the isolate decided is counted; every rejection is listed as recent. */
  rejected(accountId: string, rejection: RecentRejection, count: boolean): void {
    const batch = this.of(accountId);
    if (count) {
      const rejected = this.delta(batch, rejection.keyId, rejection.at).rejected;
      rejected[rejection.code] = (rejected[rejection.code] ?? 0) + 1;
    }
    const recent = batch.rejections;
    recent.push(rejection);
    // Trimmed in steps, not by a shift per rejection: a flood of 429s stays O(1) each.
    if (recent.length >= 2 * RECENT_REJECTIONS_KEPT) recent.splice(0, RECENT_REJECTIONS_KEPT);
  }

  origin(accountId: string, keyId: string, answered: OriginClass, now: number): void {
    this.delta(this.of(accountId), keyId, now).origin[answered] += 1;
  }

  get size(): number {
    return this.accounts.size;
  }

  /** Something is counted and no send is on its way. */
  get wantsSchedule(): boolean {
    return this.accounts.size > 0 && !this.sending && this.flushMs !== null;
  }

  /**
   * After a request counted something: a send when the oldest counts are due, inside that
   * request's `waitUntil` (off the request path, in a request's context).
   */
  schedule(ctx: ExecutionContext, send: UsageSender): void {
    if (!this.wantsSchedule) return;
    this.sending = true;
    const wait = Math.max(0, this.dueAt - Date.now());
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, wait)).then(() => this.flush(send)));
  }

  /**
   * Sends the oldest `limit` accounts' counts, one call per account; the rest are due at once.
   * A failed send is dropped (and logged).
   */
  async flush(send: UsageSender, limit = ACCOUNTS_PER_SEND): Promise<void> {
    const batches: [string, AccountBatch][] = [];
    for (const entry of this.accounts) {
      if (batches.length >= limit) break;
      batches.push(entry);
    }
    for (const [accountId] of batches) this.accounts.delete(accountId);
    this.sending = false;
    this.dueAt = Date.now();
    if (this.dropped > 0) {
      console.error(JSON.stringify({ event: "usage_dropped", accounts: this.dropped }));
      this.dropped = 0;
    }
    await Promise.all(
      batches.map(([accountId, batch]) =>
        // A stub may throw before it returns a promise: that is a failed send too.
        Promise.resolve()
          .then(() =>
            send(accountId, {
              deltas: [...batch.deltas.values()].flat(),
              rejections: batch.rejections.slice(-RECENT_REJECTIONS_KEPT),
            }),
          )
          .catch((err: unknown) => {
            console.error(
              JSON.stringify({
                event: "usage_flush_failed",
                account_id: accountId,
                reason: describeFault(err),
              }),
            );
          }),
      ),
    );
  }
}
