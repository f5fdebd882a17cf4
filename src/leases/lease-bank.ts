import { WINDOW_MS } from "../limits/rolling-window";
import type { LeaseCall, LeaseOutcome } from "./lease-client";
import { LEASE_MS, type LeaseReport, SKEW_MS } from "./lease-terms";

/** What the bank reads of a per-minute window. */
export interface WindowView {
  used(now: number): number;
  msUntilFree(now: number, limit: number, units: number): number;
  resetSeconds(now: number): number;
}

/**
 * The windows admissions count in: the account's, and each key's own. Kept by the bank's owner
 * (in memory, or persisted by the account's object), which records every unit in both.
 */
export interface BankWindows {
  account: WindowView;
  key(keyId: string): WindowView;
  record(keyId: string, at: number, units: number): void;
  /** Takes back `units` counted at exactly `at` (a lease settled at its end, then reported). */
  unrecord(keyId: string, at: number, units: number): void;
}

/** The limits that bind one admission: the account's, and the key's own when it has one. */
export interface BankLimits {
  account: number;
  key: number | null;
}

export interface BankLease {
  id: string;
  keyId: string;
  units: number;
  /** The object's clock when it granted the lease. */
  grantedAt: number;
  /** Until then the units count as granted; after, as used at this very time. */
  expiresAt: number;
}

/** Where the bank keeps its leases (the account's SQLite; nowhere in the simulation). */
export interface LeaseLedger {
  save(lease: BankLease): void;
  /** The lease ended (reported, or expired and no longer correctable). */
  drop(leaseId: string): void;
  /** The lease expired unreported: its units now count as used at its end. */
  markExpired(leaseId: string): void;
}

export const NO_LEDGER: LeaseLedger = { save() {}, drop() {}, markExpired() {} };

/**
 * The bank of an account's per-minute window (contract section 9), inside its object. It admits
 * directly and grants leases from the same window, so in any rolling 60 s the units admitted by
 * all isolates and all direct admissions together never exceed the limit:
 *
 *  - a granted unit counts from its grant until the bank learns when it was used (it then
 *    counts at that time + SKEW_MS, which is never earlier than the real use, for 60 s) or that
 *    it was not (then it is free at once);
 *  - a unit never reported counts as used at its lease's end (grant + LEASE_MS + SKEW_MS, after
 *    the isolate's last possible use); a report that comes later still corrects it, moving the
 *    used units to their own (earlier, but never earlier than real) times and freeing the rest.
 *
 * Refusals consume nothing. Pure: the caller brings the clock, the windows and the ledger.
 */
export class LeaseBank {
  private readonly outstanding = new Map<string, BankLease>();
  private readonly outstandingByKey = new Map<string, number>();
  private outstandingUnits = 0;
  /** Expired unreported; kept so a late report can correct them while they still count. */
  private readonly expired = new Map<string, BankLease>();
  private nextId = 0;

  constructor(
    private readonly windows: BankWindows,
    private readonly ledger: LeaseLedger = NO_LEDGER,
    restored: { outstanding: BankLease[]; expired: BankLease[] } = { outstanding: [], expired: [] },
    private readonly newLeaseId: () => string = () => `l${(this.nextId++).toString(36)}`,
  ) {
    const byEnd = (a: BankLease, b: BankLease) => a.expiresAt - b.expiresAt;
    for (const lease of [...restored.outstanding].sort(byEnd)) this.hold(lease);
    for (const lease of [...restored.expired].sort(byEnd)) this.expired.set(lease.id, lease);
  }

  private hold(lease: BankLease): void {
    this.outstanding.set(lease.id, lease);
    this.outstandingUnits += lease.units;
    this.outstandingByKey.set(
      lease.keyId,
      (this.outstandingByKey.get(lease.keyId) ?? 0) + lease.units,
    );
  }

  private release(lease: BankLease): void {
    this.outstanding.delete(lease.id);
    this.outstandingUnits -= lease.units;
    const left = (this.outstandingByKey.get(lease.keyId) ?? 0) - lease.units;
    if (left > 0) this.outstandingByKey.set(lease.keyId, left);
    else this.outstandingByKey.delete(lease.keyId);
  }

  /** Leases past their end count as used then; expired ones past any correction are dropped. */
  settle(now: number): void {
    // Both maps are in order of their leases' ends (grants come in time order, and settled
    // leases are added in the order they end), so each scan stops at the first that stays.
    for (const lease of this.outstanding.values()) {
      if (lease.expiresAt > now) break;
      this.release(lease);
      this.record(lease.keyId, lease.expiresAt, lease.units);
      this.expired.set(lease.id, lease);
      this.ledger.markExpired(lease.id);
    }
    for (const lease of this.expired.values()) {
      // Its units have left the window: nothing a report could correct any more.
      if (lease.expiresAt + WINDOW_MS > now) break;
      this.expired.delete(lease.id);
      this.ledger.drop(lease.id);
    }
  }

  private record(keyId: string, at: number, units: number): void {
    this.windows.record(keyId, at, units);
  }

  private unrecord(keyId: string, at: number, units: number): void {
    this.windows.unrecord(keyId, at, units);
  }

  /** Units counted for the account at `now`: admitted, reported, and granted in leases. */
  usedByAccount(now: number): number {
    this.settle(now);
    return this.windows.account.used(now) + this.outstandingUnits;
  }

  usedByKey(keyId: string, now: number): number {
    this.settle(now);
    return this.windows.key(keyId).used(now) + (this.outstandingByKey.get(keyId) ?? 0);
  }

  /** Units that still fit for this key now, under both limits. */
  free(keyId: string, limits: BankLimits, now: number): number {
    const account = limits.account - this.usedByAccount(now);
    const key = limits.key === null ? account : limits.key - this.usedByKey(keyId, now);
    return Math.max(0, Math.min(account, key));
  }

  /**
   * How long until `units` more could fit, as a retry hint: the window's own entries leaving,
   * with every outstanding unit taken as used (at most a lease's length longer than that).
   */
  msUntilFree(keyId: string, limits: BankLimits, units: number, now: number): number {
    this.settle(now);
    const account = this.windows.account.msUntilFree(
      now,
      limits.account - this.outstandingUnits,
      units,
    );
    const key =
      limits.key === null
        ? 0
        : this.windows
            .key(keyId)
            .msUntilFree(now, limits.key - (this.outstandingByKey.get(keyId) ?? 0), units);
    const wait = Math.max(account, key);
    return Number.isFinite(wait) ? wait : LEASE_MS + SKEW_MS;
  }

  /** Admits `units` now if they fit under both limits; a refusal changes nothing. */
  admit(keyId: string, units: number, limits: BankLimits, now: number): boolean {
    if (this.free(keyId, limits, now) < units) return false;
    this.record(keyId, now, units);
    return true;
  }

  /** Grants up to `want` units to a lease for this key, or null when none fit. */
  grant(keyId: string, want: number, limits: BankLimits, now: number): BankLease | null {
    const units = Math.min(want, this.free(keyId, limits, now));
    if (units <= 0) return null;
    const lease: BankLease = {
      id: this.newLeaseId(),
      keyId,
      units,
      grantedAt: now,
      expiresAt: now + LEASE_MS + SKEW_MS,
    };
    this.hold(lease);
    this.ledger.save(lease);
    return lease;
  }

  /**
   * A holder says which units of a lease it used, and when, and how many it keeps. Uses count
   * at grant + offset + SKEW_MS (offsets clamped into the lease's span); units neither used nor
   * kept are free again at once. A lease already settled at its end is corrected (it can keep
   * nothing then); a lease unknown or past correction changes nothing.
   */
  report(report: LeaseReport, now: number): void {
    this.settle(now);
    const outstanding = this.outstanding.get(report.leaseId);
    const lease = outstanding ?? this.expired.get(report.leaseId);
    if (lease === undefined) return;
    if (outstanding === undefined) {
      this.expired.delete(lease.id);
      this.unrecord(lease.keyId, lease.expiresAt, lease.units);
    }
    let counted = 0;
    for (const [offset, units] of report.uses) {
      const take = Math.min(Math.max(0, Math.floor(units)), lease.units - counted);
      if (take <= 0) continue;
      const within = Math.min(Math.max(0, offset), LEASE_MS);
      this.record(lease.keyId, lease.grantedAt + within + SKEW_MS, take);
      counted += take;
    }
    if (outstanding === undefined) {
      this.ledger.drop(lease.id);
      return;
    }
    const keep = Math.min(Math.max(0, Math.floor(report.keep)), lease.units - counted);
    if (keep === 0) {
      this.release(lease);
      this.ledger.drop(lease.id);
      return;
    }
    // Shrunk in place, so the leases stay in the order they end.
    this.shrink(lease, keep);
    this.ledger.save(lease);
  }

  private shrink(lease: BankLease, units: number): void {
    const given = lease.units - units;
    lease.units = units;
    this.outstandingUnits -= given;
    this.outstandingByKey.set(lease.keyId, (this.outstandingByKey.get(lease.keyId) ?? 0) - given);
  }

  /**
   * One call from a lease holder, in the order that keeps the count exact: its reports first
   * (they only ever free units), then the request it carries (admitted directly), then a lease
   * from what is left. "Full" means it could not have all it asked for.
   */
  serve(
    call: Pick<LeaseCall, "admitUnits" | "ask">,
    keyId: string,
    limits: BankLimits,
    now: number,
  ): LeaseOutcome {
    for (const report of call.ask.reports) this.report(report, now);
    const admitted = call.admitUnits > 0 && this.admit(keyId, call.admitUnits, limits, now);
    const refused = call.admitUnits > 0 && !admitted;
    return { admitted, ...this.answer(call.ask.want, keyId, limits, now, refused) };
  }

  /**
   * The lease part of an answer: up to `want` units, unless the call's own request was just
   * refused (then nothing is free, and the holder is told so).
   */
  answer(
    want: number,
    keyId: string,
    limits: BankLimits,
    now: number,
    refused = false,
  ): Omit<LeaseOutcome, "admitted"> {
    const lease = want > 0 && !refused ? this.grant(keyId, want, limits, now) : null;
    const full = refused || (want > 0 && (lease?.units ?? 0) < want);
    return {
      grant: lease === null ? null : { leaseId: lease.id, units: lease.units, leaseMs: LEASE_MS },
      full,
      retryInMs: full ? this.msUntilFree(keyId, limits, 1, now) : 0,
    };
  }

  /** The earliest time anything here changes by itself (a lease's end), for the alarm. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const lease of this.outstanding.values()) {
      if (next === null || lease.expiresAt < next) next = lease.expiresAt;
    }
    return next;
  }

  resetSeconds(now: number, keyId?: string): number {
    this.settle(now);
    return (keyId === undefined ? this.windows.account : this.windows.key(keyId)).resetSeconds(now);
  }
}
