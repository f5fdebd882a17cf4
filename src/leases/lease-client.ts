import {
  LEASE_MS,
  type LeaseAsk,
  type LeaseGrant,
  type LeaseReport,
  REPORT_GRAIN_MS,
} from "./lease-terms";
import { RateEstimator } from "./rate-estimator";

/** A lease needs at least this many units of expected use to be worth asking for. */
const MIN_LEASE_UNITS = 4;
/** Leases are sized to the expected use over their life, with this much to spare. */
const HEADROOM = 1.2;
/** The longest an isolate believes the object's "the window is full" (contract: ≤ 1 s). */
const FULL_MEMO_MS = 750;
/**
 * Usage of a lease held no more goes with the next call; a key gone quiet (no lease wanted)
 * reports it off the request path after REPORT_QUIET_MS, a busy one after REPORT_WITHIN_MS at
 * the latest (its renewals normally carry it long before).
 */
const REPORT_QUIET_MS = 100;
const REPORT_WITHIN_MS = 2_000;
/**
 * A renewal is sent this many round trips (plus a margin) before the leases held run out: the
 * new lease then arrives before the old one ends, and no read waits for it.
 */
const RENEW_LEAD_RTTS = 0.5;
const RENEW_MARGIN_MS = 20;
const DEFAULT_RTT_MS = 50;
/** Background work is looked for at most this often (its timing needs no finer grain). */
const BACKGROUND_LOOK_MS = 5;

interface HeldLease {
  leaseId: string;
  /** Units this isolate may still use from it. */
  left: number;
  /** The isolate's clock when the request for it was sent: its life starts there. */
  sentAt: number;
  endsAt: number;
  /** Units used since its last report, per offset from `sentAt` (rounded up to REPORT_GRAIN_MS). */
  uses: Map<number, number>;
  /** When it was held no more (expired or used up), by the isolate's clock. */
  endedAt: number;
}

/** What a plain read gets from the isolate's leases. */
export type Take =
  | { kind: "leased"; leaseId: string; remaining: number }
  /** The object said the window is full (at most FULL_MEMO_MS ago). */
  | { kind: "full"; retryInMs: number }
  /** Nothing here: the request needs a call (or to wait for the one in flight). */
  | { kind: "miss" };

/** One call to the account's object, as the lease side sees it. */
export interface LeaseCall {
  sentAt: number;
  /** Units of the request this call admits directly (0: a renewal or a report only). */
  admitUnits: number;
  ask: LeaseAsk;
}

/** The object's answer, as the lease side sees it. */
export interface LeaseOutcome {
  /** The call's own request was admitted (always false when it carried none). */
  admitted: boolean;
  grant: LeaseGrant | null;
  /** The window had no room for all that was asked: until `retryInMs`, nothing is free. */
  full: boolean;
  retryInMs: number;
}

/**
 * One key's leases in one isolate (contract section 9): admits the key's plain reads from units
 * the account's object granted, with no call, and keeps track of which it used and when, to
 * report them. Sizes its leases to its own recent rate; a quiet key gets none. Pure: the
 * caller brings the clock and carries the calls (the Worker over RPC, the simulation over its
 * simulated network).
 */
export class LeaseClient {
  private readonly held: HeldLease[] = [];
  private readonly ended: HeldLease[] = [];
  private readonly rate = new RateEstimator();
  private inFlight: LeaseCall | null = null;
  private fullUntil = 0;
  private fullRetryAt = 0;
  private rttMs = DEFAULT_RTT_MS;
  private nextLook = 0;

  constructor(
    private readonly leaseMs: number = LEASE_MS,
    private readonly fullMemoMs: number = FULL_MEMO_MS,
    private readonly leadFactor: number = RENEW_LEAD_RTTS,
  ) {}

  /** How long before the leases held run out a renewal is sent. */
  private renewalLead(): number {
    return this.rttMs * this.leadFactor + RENEW_MARGIN_MS;
  }

  /** Moves leases that are over (expired or used up) out of the held list. */
  private retire(now: number): void {
    for (let i = this.held.length - 1; i >= 0; i--) {
      const lease = this.held[i] as HeldLease;
      if (lease.endsAt <= now || lease.left <= 0) {
        this.held.splice(i, 1);
        lease.endedAt = Math.min(lease.endsAt, now);
        this.ended.push(lease);
      }
    }
  }

  /**
   * A plain read of `units` at `now`: admitted from a lease, known refused, or a miss. Its
   * arrival counts for the rate once (not again when it tries anew after waiting for a call).
   */
  take(now: number, units: number, arrival = true): Take {
    if (arrival) this.rate.note(now, units);
    this.retire(now);
    for (const lease of this.held) {
      if (lease.left < units) continue;
      lease.left -= units;
      const offset = Math.ceil((now - lease.sentAt) / REPORT_GRAIN_MS) * REPORT_GRAIN_MS;
      lease.uses.set(offset, (lease.uses.get(offset) ?? 0) + units);
      return { kind: "leased", leaseId: lease.leaseId, remaining: this.remaining(now) };
    }
    if (this.fullUntil > now) {
      return { kind: "full", retryInMs: Math.max(0, this.fullRetryAt - now) };
    }
    return { kind: "miss" };
  }

  /** Units this isolate can still admit from its leases (never more than there is). */
  remaining(now: number): number {
    let units = 0;
    for (const lease of this.held) if (lease.endsAt > now) units += lease.left;
    return units;
  }

  /** A call is on its way; requests that miss meanwhile wait for it rather than call again. */
  pending(): boolean {
    return this.inFlight !== null;
  }

  /** Nothing held, nothing to report, nothing on its way: the client can be let go. */
  idle(): boolean {
    return this.inFlight === null && this.held.length === 0 && this.ended.length === 0;
  }

  /** Busy enough for a lease: expected use over a lease's life of at least MIN_LEASE_UNITS. */
  private wanted(now: number): number {
    const life = Math.max(0, this.leaseMs - this.rttMs) / 1000;
    const expected = this.rate.perSecond(now) * life;
    return expected < MIN_LEASE_UNITS ? 0 : Math.ceil(expected * HEADROOM);
  }

  private begin(now: number, admitUnits: number, want: number, trim = false): LeaseCall {
    const reports = this.ended.splice(0).map((lease) => toReport(lease, 0));
    // A renewal gives back now what the leases held will not need before they end, rather
    // than holding it unused until their reports.
    if (trim) for (const lease of this.held) reports.push(this.trim(lease, now));
    const call: LeaseCall = { sentAt: now, admitUnits, ask: { want, reports } };
    this.inFlight = call;
    return call;
  }

  /** The call a request that missed makes: it is admitted directly, and asks for a lease. */
  callFor(now: number, units: number): LeaseCall {
    return this.begin(now, units, this.wanted(now));
  }

  /**
   * A call to make off the request path, or null: a renewal when the leases held will not last
   * until a new one could arrive, or the usage of leases held no more when it has waited long
   * enough (a key gone quiet). Nothing while a call is in flight or the window is known full.
   */
  background(now: number): LeaseCall | null {
    // Asked after every read of a busy key: look at most every BACKGROUND_LOOK_MS.
    if (this.inFlight !== null || now < this.nextLook) return null;
    this.nextLook = now + BACKGROUND_LOOK_MS;
    this.retire(now);
    const want = this.wanted(now);
    if (want > 0 && this.fullUntil <= now && this.held.length > 0) {
      const lead = this.renewalLead();
      const lastEnd = Math.max(...this.held.map((lease) => lease.endsAt));
      const needed = (this.rate.perSecond(now) * lead) / 1000;
      if (lastEnd - now <= lead || this.remaining(now) <= needed) {
        return this.begin(now, 0, want, true);
      }
    }
    const oldest = this.ended[0];
    if (oldest !== undefined && now - oldest.endedAt >= this.reportDelay(want)) {
      return this.begin(now, 0, 0);
    }
    return null;
  }

  private reportDelay(want: number): number {
    return want > 0 ? REPORT_WITHIN_MS : REPORT_QUIET_MS;
  }

  /**
   * When `background` may next have something to do, strictly after `now` (null: nothing, or a
   * call is in flight and its answer will tell): a lease ending, a renewal's moment, a report
   * falling due. For a timer; calling `background` then may still find nothing to do.
   */
  nextBackgroundAt(now: number): number | null {
    if (this.inFlight !== null) return null;
    const candidates: number[] = [];
    for (const lease of this.held) candidates.push(lease.endsAt);
    if (this.held.length > 0 && this.wanted(now) > 0) {
      const lastEnd = Math.max(...this.held.map((lease) => lease.endsAt));
      candidates.push(Math.max(lastEnd - this.renewalLead(), this.fullUntil));
    }
    const oldest = this.ended[0];
    if (oldest !== undefined) candidates.push(oldest.endedAt + this.reportDelay(this.wanted(now)));
    let next: number | null = null;
    for (const at of candidates) if (at > now && (next === null || at < next)) next = at;
    return next;
  }

  /** The object answered `call` (`now` is this isolate's clock on arrival). */
  settle(call: LeaseCall, outcome: LeaseOutcome, now: number): void {
    if (this.inFlight === call) this.inFlight = null;
    this.nextLook = 0;
    const rtt = Math.max(0, now - call.sentAt);
    this.rttMs = this.rttMs * 0.8 + rtt * 0.2;
    if (outcome.grant !== null && outcome.grant.units > 0) {
      this.held.push({
        leaseId: outcome.grant.leaseId,
        left: outcome.grant.units,
        sentAt: call.sentAt,
        endsAt: call.sentAt + Math.min(outcome.grant.leaseMs, this.leaseMs),
        uses: new Map(),
        endedAt: 0,
      });
    }
    if (outcome.full) {
      this.fullUntil = now + this.fullMemoMs;
      this.fullRetryAt = now + outcome.retryInMs;
    } else {
      this.fullUntil = 0;
    }
  }

  /**
   * The call never got an answer: its reports go with the next one (what they gave back stays
   * given back: the isolate no longer uses it either way); nothing else changes.
   */
  failed(call: LeaseCall): void {
    if (this.inFlight === call) this.inFlight = null;
    for (const report of call.ask.reports) {
      const held = this.held.find((lease) => lease.leaseId === report.leaseId);
      if (held === undefined) this.ended.push(fromReport(report));
      else
        for (const [offset, units] of report.uses)
          held.uses.set(offset, (held.uses.get(offset) ?? 0) + units);
    }
  }

  /** Reports a held lease so far, keeping only what its expected use until its end needs. */
  private trim(lease: HeldLease, now: number): LeaseReport {
    const expected = (this.rate.perSecond(now) * Math.max(0, lease.endsAt - now)) / 1000;
    const keep = Math.min(lease.left, Math.ceil(expected * HEADROOM) + 1);
    const report = toReport(lease, keep);
    lease.left = keep;
    lease.uses = new Map();
    return report;
  }

  /** Forgets what the object said of the window (a limit changed, a key was refused). */
  forgetFull(): void {
    this.fullUntil = 0;
  }
}

function toReport(lease: HeldLease, keep: number): LeaseReport {
  return { leaseId: lease.leaseId, uses: [...lease.uses], keep };
}

/** A report that could not be sent, held again as an ended lease (its uses kept as they were). */
function fromReport(report: LeaseReport): HeldLease {
  return {
    leaseId: report.leaseId,
    left: 0,
    sentAt: 0,
    endsAt: 0,
    uses: new Map(report.uses),
    endedAt: 0,
  };
}
