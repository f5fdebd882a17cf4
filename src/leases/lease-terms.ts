/**
 * The lease protocol between an isolate and its account's object (contract section 9), as
 * plain data both sides and the simulation share. A lease is some units of the per-minute
 * window for one key, valid for at most LEASE_MS from the moment the isolate sent its request.
 */

/** A lease's life, measured by the isolate from when it sent the request (contract: ≤ 1 s). */
export const LEASE_MS = 1_000;

/**
 * What the object adds to every time an isolate reports, for the isolate's timer: uses are
 * reported as offsets from the request's send time (so the isolate's and the object's clocks
 * never need to agree), and an isolate's clock may read up to this much behind real time over a
 * lease's second (timers that advance only on I/O, drift). The object maps a reported use to
 * `grant time + offset + SKEW_MS`, never earlier than it really was.
 */
export const SKEW_MS = 50;

/** Reported use times are rounded up to this grain (later is the safe side). */
export const REPORT_GRAIN_MS = 25;

/**
 * What one lease's holder reports: which of its units it used since its last report, and
 * when, and how many it keeps (may still use). The others are given back: a final report keeps
 * none; a lease still running can give back what it will not need before its end.
 */
export interface LeaseReport {
  leaseId: string;
  /** [offset from the request's send time in ms, rounded up to REPORT_GRAIN_MS; units]. */
  uses: [number, number][];
  keep: number;
}

/** What an isolate asks in one call, beside the request it may carry. */
export interface LeaseAsk {
  /** Units wanted for a new lease (0: none). */
  want: number;
  /** Usage of leases this isolate holds no more. */
  reports: LeaseReport[];
}

/** A lease the object granted. */
export interface LeaseGrant {
  leaseId: string;
  units: number;
  /** Valid for this long from the request's send time, by the isolate's clock. */
  leaseMs: number;
}
