import type { UsageBatchPayload } from "../account/contract";
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

/** A batch holding this many accounts is sent at once rather than growing further. */
const MAX_ACCOUNTS = 2_000;

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
 * response, at most USAGE_FLUSH_MS after the first count of a batch. Lost if the isolate dies
 * first: usage is a report, not a limit.
 */
export class UsageBatch {
  private accounts = new Map<string, AccountBatch>();
  private flushing = false;

  /** `flushMs` null: nothing is sent until `flush` is called (tests that count every call). */
  constructor(private readonly flushMs: number | null = USAGE_FLUSH_MS) {}

  private of(accountId: string): AccountBatch {
    let batch = this.accounts.get(accountId);
    if (batch === undefined) {
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

  /** Something is counted and no send is on its way (or the batch is too big to wait). */
  get wantsSchedule(): boolean {
    if (this.accounts.size >= MAX_ACCOUNTS) return true;
    return this.accounts.size > 0 && !this.flushing && this.flushMs !== null;
  }

  /**
   * After a request counted something: the first count of a batch starts its timer, inside
   * that request's `waitUntil` (so the send is off the request path and runs in a request's
   * context); a batch grown to MAX_ACCOUNTS goes now.
   */
  schedule(ctx: ExecutionContext, send: UsageSender): void {
    if (this.accounts.size === 0) return;
    if (this.accounts.size >= MAX_ACCOUNTS) {
      ctx.waitUntil(this.flush(send));
      return;
    }
    if (this.flushing || this.flushMs === null) return;
    this.flushing = true;
    const wait = this.flushMs;
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, wait)).then(() => this.flush(send)));
  }

  /** Sends everything counted so far, one call per account; a failed send is dropped. */
  async flush(send: UsageSender): Promise<void> {
    const batches = this.accounts;
    this.accounts = new Map();
    this.flushing = false;
    await Promise.all(
      [...batches].map(([accountId, batch]) =>
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
                reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
              }),
            );
          }),
      ),
    );
  }
}
