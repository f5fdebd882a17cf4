// A seeded, deterministic world for the production lease classes (src/leases): one account's
// bank (LeaseBank, as its Durable Object runs it) far from isolates in several regions, each
// isolate holding its own LeaseClient and deciding plain reads with planRead, exactly as the
// Worker does; calls travel a simulated network, every clock is virtual. Measures what the
// contract asks (section 9): the limit is never exceeded in any rolling 60 s, how much the
// limit allowed that no one was admitted for, and how many calls the bank served.
import { type BankLimits, LeaseBank } from "../../../src/leases/lease-bank";
import { type LeaseCall, LeaseClient, type LeaseOutcome } from "../../../src/leases/lease-client";
import { SKEW_MS } from "../../../src/leases/lease-terms";
import { MemoryWindows } from "../../../src/leases/memory-windows";
import { planRead } from "../../../src/leases/plain-read";
import { RollingWindow, WINDOW_MS } from "../../../src/limits/rolling-window";
import { EventQueue, seededRandom } from "./event-queue";

export interface WorldConfig {
  seed: number;
  durationMs: number;
  /** Measured from here on (the first window fills from empty before it). */
  warmupMs: number;
  limitPerMinute: number;
  meanRatePerSecond: number;
  /** Round trip to the bank from each region. */
  regionRttMs: readonly number[];
  isolatesPerRegion: number;
  trace?: boolean;
  /** For experiments: how long a client believes "full". */
  fullMemoMs?: number;
  /** For experiments: a demand that does not change. */
  steady?: boolean;
  /** For experiments: how many round trips before its end a lease is renewed. */
  leadRtts?: number;
  traceBucketMs?: number;
}

export const DEFAULT_WORLD: Omit<WorldConfig, "seed"> = {
  durationMs: 240_000,
  warmupMs: 60_000,
  limitPerMinute: 120_000,
  meanRatePerSecond: 2_000,
  regionRttMs: [5, 20, 40, 70, 100, 130, 170, 210, 250],
  isolatesPerRegion: 3,
};

export interface WorldResult {
  seed: number;
  requests: number;
  admitted: number;
  /** An exact limiter with no latency, on the same arrivals. */
  oracleAdmitted: number;
  limit: number;
  /** The most units admitted in any rolling 60 s (must not exceed `limit`). */
  maxInAnyWindow: number;
  /**
   * Units the limit allowed that no one was admitted for, as a share of what the limit allowed
   * over the measured span: refused reads that would still have fitten in the real window
   * (what was admitted, plus those), counted in time order.
   */
  underAdmission: number;
  /** (oracle − admitted) over the measured span, as a share of what the limit allowed. */
  behindOracle: number;
  bankCalls: number;
  callsPerAdmitted: number;
  /** Share of admitted reads that came from a lease (no call on their path). */
  leasedShare: number;
  /** Calls by kind: carrying a read, renewing a lease, reporting only. */
  calls: { direct: number; renewal: number; report: number };
  /** Reads refused by an isolate because the bank had said the window was full. */
  refusedFull: number;
  /** For diagnosis: admitted and oracle-admitted per 5 s, from the start. */
  trace?: { admitted: number[]; oracle: number[]; demand: number[] };
}

const KEY = "key_simulated";

interface Isolate {
  client: LeaseClient;
  /** Its clock: real time plus an offset (they never agree with the bank's). */
  offsetMs: number;
  rttMs: number;
  /** Reads waiting for the call in flight. */
  waiting: { arrivedAt: number }[];
  lastLocal: number;
}

export function runWorld(config: WorldConfig): WorldResult {
  const random = seededRandom(config.seed);
  const queue = new EventQueue();
  const limits: BankLimits = { account: config.limitPerMinute, key: null };
  const bank = new LeaseBank(new MemoryWindows());
  const admittedAt: number[] = [];
  const refusedAt: number[] = [];
  let bankCalls = 0;
  let leased = 0;
  let refusedFull = 0;
  const calls = { direct: 0, renewal: 0, report: 0 };

  // Isolates, their clocks and their share of the demand: skewed across regions (a power law,
  // its order shuffled per seed) and within a region.
  const isolates: Isolate[] = [];
  const weights: number[] = [];
  const regionOrder = config.regionRttMs.map((_, i) => i).sort(() => random() - 0.5);
  config.regionRttMs.forEach((rttMs, region) => {
    const regionWeight = 1 / (1 + (regionOrder[region] as number)) ** 0.8;
    for (let i = 0; i < config.isolatesPerRegion; i++) {
      isolates.push({
        client: new LeaseClient(undefined, config.fullMemoMs, config.leadRtts),
        offsetMs: (random() - 0.5) * 400,
        rttMs,
        waiting: [],
        lastLocal: Number.NEGATIVE_INFINITY,
      });
      weights.push(regionWeight * (0.4 + random()));
    }
  });
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((sum, w) => {
    cumulative.push((sum + w) / totalWeight);
    return sum + w;
  }, 0);
  const pickIsolate = (): Isolate => {
    const r = random();
    const index = cumulative.findIndex((c) => c >= r);
    return isolates[index === -1 ? isolates.length - 1 : index] as Isolate;
  };

  /**
   * The isolate's clock: its own offset, read up to a few ms behind real time (Workers' timers
   * advance on I/O), and never backwards.
   */
  const localNow = (isolate: Isolate): number => {
    const reading = queue.now + isolate.offsetMs - random() * Math.min(5, SKEW_MS);
    isolate.lastLocal = Math.max(isolate.lastLocal, reading);
    return isolate.lastLocal;
  };
  const oneWay = (isolate: Isolate): number => (isolate.rttMs / 2) * (0.8 + 0.4 * random());

  function send(isolate: Isolate, call: LeaseCall, onAnswer: (outcome: LeaseOutcome) => void) {
    bankCalls++;
    if (call.admitUnits > 0) calls.direct++;
    else if (call.ask.want > 0) calls.renewal++;
    else calls.report++;
    queue.after(oneWay(isolate), () => {
      const outcome = bank.serve(call, KEY, limits, queue.now);
      if (outcome.admitted) admittedAt.push(queue.now);
      else if (call.admitUnits > 0) refusedAt.push(queue.now);
      queue.after(oneWay(isolate), () => {
        isolate.client.settle(call, outcome, localNow(isolate));
        onAnswer(outcome);
        drainWaiting(isolate);
      });
    });
  }

  /** A read of one unit at the isolate, now: the Worker's admit step for a plain read. */
  function read(isolate: Isolate, arrival: boolean): void {
    const step = planRead(isolate.client, localNow(isolate), 1, arrival);
    if (step.kind === "leased") {
      admittedAt.push(queue.now);
      leased++;
    } else if (step.kind === "wait") {
      isolate.waiting.push({ arrivedAt: queue.now });
    } else if (step.kind === "call") {
      send(isolate, step.call, () => undefined);
    } else {
      refusedFull++;
      refusedAt.push(queue.now);
    }
    background(isolate);
  }

  function drainWaiting(isolate: Isolate): void {
    const waiting = isolate.waiting.splice(0);
    for (const _ of waiting) read(isolate, false);
  }

  /**
   * Background work (renewals, due reports) rides on the isolate's requests, as in the Worker:
   * each request, once decided, lets its key's client start what is due, off its path.
   */
  function background(isolate: Isolate): void {
    const call = isolate.client.background(localNow(isolate));
    if (call !== null) send(isolate, call, () => undefined);
  }

  // Demand: Poisson arrivals at a rate that changes every few seconds (bursts and lulls
  // around the mean).
  const arrivals: number[] = [];
  let t = 0;
  while (t < config.durationMs) {
    const spanMs = 2_000 + random() * 10_000;
    const drawn = [0.4, 0.7, 1, 1, 1.3, 1.6, 2][Math.floor(random() * 7)] as number;
    const factor = config.steady === true ? 1 : drawn;
    const ratePerMs = (config.meanRatePerSecond * factor) / 1000;
    const end = Math.min(config.durationMs, t + spanMs);
    while (t < end) {
      t += -Math.log(1 - random()) / ratePerMs;
      if (t < end) arrivals.push(t);
    }
    t = end;
  }
  for (const at of arrivals) queue.at(at, () => read(pickIsolate(), true));
  queue.run(config.durationMs + 5_000);

  // The oracle: an exact rolling window with no latency, on the same arrivals.
  const oracle = new RollingWindow();
  let oracleMeasured = 0;
  const bucket = (at: number) => Math.floor(at / (config.traceBucketMs ?? 5_000));
  const buckets = bucket(config.durationMs) + 1;
  const trace = {
    admitted: new Array<number>(buckets).fill(0),
    oracle: new Array<number>(buckets).fill(0),
    demand: new Array<number>(buckets).fill(0),
  };
  for (const at of arrivals) {
    trace.demand[bucket(at)] = (trace.demand[bucket(at)] ?? 0) + 1;
    if (oracle.used(at) < config.limitPerMinute) {
      oracle.add(at, 1);
      trace.oracle[bucket(at)] = (trace.oracle[bucket(at)] ?? 0) + 1;
      if (at >= config.warmupMs) oracleMeasured++;
    }
  }
  admittedAt.sort((a, b) => a - b);
  for (const at of admittedAt) {
    if (at < config.durationMs) trace.admitted[bucket(at)] = (trace.admitted[bucket(at)] ?? 0) + 1;
  }
  const measured = admittedAt.filter((at) => at >= config.warmupMs && at < config.durationMs);
  const allowed = (config.limitPerMinute * (config.durationMs - config.warmupMs)) / WINDOW_MS;
  return {
    seed: config.seed,
    requests: arrivals.length,
    admitted: admittedAt.length,
    oracleAdmitted: oracleMeasured,
    limit: config.limitPerMinute,
    maxInAnyWindow: maxInWindow(admittedAt),
    underAdmission:
      unusedRoom(
        admittedAt,
        refusedAt.sort((a, b) => a - b),
        config.limitPerMinute,
        config,
      ) / allowed,
    behindOracle: Math.max(0, (oracleMeasured - measured.length) / allowed),
    bankCalls,
    callsPerAdmitted: bankCalls / Math.max(1, admittedAt.length),
    leasedShare: leased / Math.max(1, admittedAt.length),
    calls,
    refusedFull,
    ...(config.trace === true ? { trace } : {}),
  };
}

/**
 * Of the refused reads (sorted), how many the limit still had room for, given what was really
 * admitted (sorted): each refused read that fits in the window of real admissions plus those
 * already counted is counted, and a real admission that then would not fit takes one back (it
 * was admitted in that read's stead). Only reads in the measured span count.
 */
export function unusedRoom(
  admitted: readonly number[],
  refused: readonly number[],
  limit: number,
  span: { warmupMs: number; durationMs: number },
): number {
  const window = new RollingWindow();
  const counted: number[] = [];
  let unused = 0;
  let a = 0;
  let r = 0;
  while (a < admitted.length || r < refused.length) {
    const nextAdmitted = admitted[a] ?? Number.POSITIVE_INFINITY;
    const nextRefused = refused[r] ?? Number.POSITIVE_INFINITY;
    if (nextAdmitted <= nextRefused) {
      if (window.used(nextAdmitted) >= limit) {
        const last = counted.pop();
        if (last !== undefined && window.remove(last, 1) === 1 && inSpan(last, span)) unused--;
      }
      window.add(nextAdmitted, 1);
      a++;
    } else {
      if (window.used(nextRefused) < limit) {
        window.add(nextRefused, 1);
        counted.push(nextRefused);
        if (inSpan(nextRefused, span)) unused++;
      }
      r++;
    }
  }
  return unused;
}

function inSpan(at: number, span: { warmupMs: number; durationMs: number }): boolean {
  return at >= span.warmupMs && at < span.durationMs;
}

/** The most entries in any window (x − 60 s, x], over sorted times. */
export function maxInWindow(sorted: readonly number[]): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[start] as number) <= (sorted[end] as number) - WINDOW_MS) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
