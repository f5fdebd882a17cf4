import type { GatewayConfig } from "../config/config";

/**
 * Sheds proxied traffic at the edge while the origin has asked for a pause (a 503 with
 * Retry-After), then lets exactly one probe through. State is per isolate: each edge location
 * learns from the answers it sees.
 */
export type BreakerDecision =
  | { action: "pass"; probe: boolean }
  | { action: "shed"; retryAfterSeconds: number };

export class OriginBreaker {
  private openUntil = 0;
  private probeStartedAt: number | null = null;

  constructor(private readonly probeTimeoutMs: number) {}

  decide(now: number): BreakerDecision {
    if (this.openUntil === 0) return { action: "pass", probe: false };
    if (now < this.openUntil) {
      return { action: "shed", retryAfterSeconds: Math.ceil((this.openUntil - now) / 1000) };
    }
    // Past the pause: one probe at a time; a probe that never returns is replaced after the
    // origin timeout.
    if (this.probeStartedAt !== null && now - this.probeStartedAt < this.probeTimeoutMs) {
      return { action: "shed", retryAfterSeconds: 1 };
    }
    this.probeStartedAt = now;
    return { action: "pass", probe: true };
  }

  /** No pause in force or pending: `decide` would pass without a probe. */
  isClosed(): boolean {
    return this.openUntil === 0;
  }

  /** The probe never reached the origin; let the next request probe. */
  abandonProbe(): void {
    this.probeStartedAt = null;
  }

  /** Every origin answer feeds the breaker; `pauseUntil` is set by a 503 with Retry-After. */
  record(pauseUntil: number | null, probe: boolean): void {
    if (pauseUntil !== null) {
      this.openUntil = Math.max(this.openUntil, pauseUntil);
      this.probeStartedAt = null;
    } else if (probe) {
      this.openUntil = 0;
      this.probeStartedAt = null;
    }
  }
}

/**
 * The longest pause an origin's Retry-After can impose. An origin (or a misconfigured load
 * balancer) answering `Retry-After: 999999999` would otherwise shed all traffic for decades.
 */
export const MAX_ORIGIN_PAUSE_MS = 300_000;

/**
 * Retry-After as delay-seconds or an HTTP-date, as an absolute time at most
 * MAX_ORIGIN_PAUSE_MS ahead; null when unusable.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  let until: number;
  if (/^\d{1,12}$/.test(trimmed)) until = now + Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return null;
    until = Math.max(date, now);
  }
  return Math.min(until, now + MAX_ORIGIN_PAUSE_MS);
}

const breakers = new WeakMap<GatewayConfig, OriginBreaker>();

/** The isolate's breaker for one configuration (its origin and timeout). */
export function breakerFor(config: GatewayConfig): OriginBreaker {
  let breaker = breakers.get(config);
  if (breaker === undefined) {
    breaker = new OriginBreaker(config.originTimeoutMs);
    breakers.set(config, breaker);
  }
  return breaker;
}
