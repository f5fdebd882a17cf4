import type { LeaseAnswer, LimitSnapshot } from "../account/contract";
import { LeaseClient } from "../leases/lease-client";
import type { Scope } from "../model/records";

/** How many keys' leases one isolate keeps (the oldest are forgotten first). */
const MAX_KEYS = 10_000;

/**
 * One key's leases in this isolate (contract section 9), with what the account's object said of
 * the key when it last granted one: its scopes and tier (re-checked at every grant, so never
 * older than a lease), the window's state, and the submissions a read may show finished.
 */
export class KeyLeases {
  readonly client = new LeaseClient();
  scopes: readonly Scope[] = [];
  tier = "";
  /** The window as the object last described it, and when this isolate heard it. */
  limits: LimitSnapshot | null = null;
  limitsAt = 0;
  jobs: LeaseAnswer["jobs"] = { held: [], pending: false };
  /** Whose limit was full when the object last said so. */
  fullScope: "account" | "key" = "account";
  /** The call on its way, for reads that wait for it instead of calling again. */
  pending: Promise<void> | null = null;

  constructor(
    readonly accountId: string,
    readonly keyId: string,
    readonly keyDigest: string,
  ) {}

  /** Takes what the object said with a lease answer. */
  learn(
    answer: {
      scopes: Scope[];
      tier: string;
      limits: LimitSnapshot;
      jobs?: LeaseAnswer["jobs"];
      fullScope?: "account" | "key";
    },
    now: number,
  ): void {
    this.scopes = answer.scopes;
    this.tier = answer.tier;
    this.limits = answer.limits;
    this.limitsAt = now;
    if (answer.jobs !== undefined) this.jobs = answer.jobs;
    if (answer.fullScope !== undefined) this.fullScope = answer.fullScope;
  }

  /** Whether a leased read of this submission could free a slot (a held id, or a create pending). */
  watches(submissionId: string | null): boolean {
    return submissionId !== null && (this.jobs.pending || this.jobs.held.includes(submissionId));
  }

  /**
   * The RateLimit state of a leased answer: never more remaining than this isolate still holds
   * (the units of its leases are all it can be sure of), and the reset the object last told.
   */
  snapshot(remaining: number, now: number): LimitSnapshot | null {
    if (this.limits === null) return null;
    const elapsed = Math.floor((now - this.limitsAt) / 1000);
    return {
      tier: this.tier,
      policy: this.limits.policy,
      minute: {
        limit: this.limits.minute.limit,
        remaining,
        resetSeconds: Math.max(0, this.limits.minute.resetSeconds - elapsed),
      },
    };
  }
}

/** How often a request may look for reports due on keys gone quiet. */
const SWEEP_EVERY_MS = 250;

/** The isolate's lease clients, one per (account, key) with leases or a recent call. */
export class LeaseBook {
  private readonly byKey = new Map<string, KeyLeases>();
  /** Keys whose client holds or owes something (a lease, a report, a call). */
  private readonly active = new Set<KeyLeases>();
  private nextSweepAt = 0;

  get(accountId: string, keyId: string, keyDigest: string): KeyLeases {
    const id = `${accountId}\n${keyId}`;
    let leases = this.byKey.get(id);
    if (leases === undefined || leases.keyDigest !== keyDigest) {
      if (this.byKey.size >= MAX_KEYS) {
        const oldest = this.byKey.keys().next();
        if (oldest.done !== true) this.byKey.delete(oldest.value);
      }
      leases = new KeyLeases(accountId, keyId, keyDigest);
      this.byKey.set(id, leases);
    }
    return leases;
  }

  /** The key made a call or holds a lease: its client is looked after until it is idle again. */
  touch(leases: KeyLeases): void {
    this.active.add(leases);
  }

  /**
   * At most every SWEEP_EVERY_MS: the keys whose client has background work due (a renewal, or
   * the reports of a key gone quiet), for the caller to carry off the request path.
   */
  due(now: number): KeyLeases[] {
    if (now < this.nextSweepAt || this.active.size === 0) return [];
    this.nextSweepAt = now + SWEEP_EVERY_MS;
    const due: KeyLeases[] = [];
    for (const leases of this.active) {
      if (leases.client.idle()) this.active.delete(leases);
      else due.push(leases);
    }
    return due;
  }
}
