// The lease protocol is exact (GATEWAY.md section 9): whatever the interleaving of grants,
// uses, reports (early, late, lost), lease ends, direct admissions and clock readings, the units
// really admitted in any rolling 60 s never exceed the limit. The production classes (LeaseBank,
// LeaseClient, planRead) are driven against a model of the world around them: an injected
// clock, isolate clocks that disagree with the bank's and read a little behind, and a network
// that delivers, reorders, delays and loses calls as fast-check chooses.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BankLimits, LeaseBank } from "../../src/leases/lease-bank";
import { type LeaseCall, LeaseClient, type LeaseOutcome } from "../../src/leases/lease-client";
import { LEASE_MS, SKEW_MS } from "../../src/leases/lease-terms";
import { MemoryWindows } from "../../src/leases/memory-windows";
import { planRead } from "../../src/leases/plain-read";
import { maxInWindow } from "./simulation/lease-world";

const LIMIT = 100;
const KEYS = ["key_a", "key_b"] as const;

type Command =
  | { kind: "advance"; ms: number }
  | { kind: "read"; client: number; units: number }
  /** Many reads on one client, a millisecond apart: enough for it to want leases. */
  | { kind: "burst"; client: number; reads: number }
  | { kind: "background"; client: number }
  | { kind: "toBank"; pick: number }
  | { kind: "toClient"; pick: number }
  | { kind: "lose"; pick: number }
  | { kind: "direct"; key: number; units: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 1_500 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(LEASE_MS, LEASE_MS + SKEW_MS, 59_990, 60_000, 61_000),
        },
        // Just short of a window: what was admitted a minute ago is about to leave it.
        { weight: 1, arbitrary: fc.integer({ min: 58_800, max: 60_100 }) },
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("read" as const),
      client: fc.nat(3),
      units: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      client: fc.nat(3),
      reads: fc.integer({ min: 5, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("background" as const), client: fc.nat(3) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("toBank" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("toClient" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("lose" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("direct" as const),
      key: fc.nat(1),
      units: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

interface Client {
  lease: LeaseClient;
  key: string;
  /** Its clock runs this far from the bank's, and reads up to `lagMs` behind. */
  offsetMs: number;
  lastLocal: number;
}

interface InFlight {
  client: number;
  call: LeaseCall;
}

interface Reply {
  client: number;
  call: LeaseCall;
  outcome: LeaseOutcome;
}

describe("the lease protocol", () => {
  it("never admits more than the limit in any rolling 60 s, however calls, uses and reports interleave", () => {
    // What the runs exercised, so the property cannot pass by never reaching a lease.
    const seen = { leased: 0, direct: 0, viaCall: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 40, maxLength: 300, size: "max" }),
        fc.array(fc.integer({ min: -5_000, max: 5_000 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: SKEW_MS }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (commands, offsets, lags, keyLimit) => {
          let now = 1_700_000_000_000;
          const limits: BankLimits = {
            account: LIMIT,
            key: keyLimit ? Math.floor(LIMIT / 2) : null,
          };
          const bank = new LeaseBank(new MemoryWindows());
          const clients: Client[] = offsets.map((offsetMs, i) => ({
            lease: new LeaseClient(),
            key: KEYS[i % 2] as string,
            offsetMs,
            lastLocal: Number.NEGATIVE_INFINITY,
          }));
          let lagIndex = 0;
          const local = (client: Client): number => {
            const lag = lags[lagIndex++ % lags.length] as number;
            client.lastLocal = Math.max(client.lastLocal, now + client.offsetMs - lag);
            return client.lastLocal;
          };
          // Real times of every unit admitted, per key and for the account.
          const admitted: { at: number; key: string }[] = [];
          const admit = (key: string, units: number) => {
            for (let i = 0; i < units; i++) admitted.push({ at: now, key });
          };
          const toBank: InFlight[] = [];
          const toClient: Reply[] = [];
          const waiting: { client: number; units: number }[] = [];

          const read = (index: number, units: number, arrival: boolean) => {
            const client = clients[index] as Client;
            const step = planRead(client.lease, local(client), units, arrival);
            if (step.kind === "leased") {
              admit(client.key, units);
              seen.leased += units;
            } else if (step.kind === "full") seen.refused++;
            if (step.kind === "call") toBank.push({ client: index, call: step.call });
            else if (step.kind === "wait") waiting.push({ client: index, units });
          };

          for (const c of commands) {
            if (c.kind === "advance") now += c.ms;
            else if (c.kind === "read") read(c.client, c.units, true);
            else if (c.kind === "burst") {
              for (let i = 0; i < c.reads; i++) {
                now += 1;
                read(c.client, 1, true);
              }
            } else if (c.kind === "background") {
              const client = clients[c.client] as Client;
              const call = client.lease.background(local(client));
              if (call !== null) toBank.push({ client: c.client, call });
            } else if (c.kind === "toBank" && toBank.length > 0) {
              const [sent] = toBank.splice(c.pick % toBank.length, 1) as [InFlight];
              const client = clients[sent.client] as Client;
              const outcome = bank.serve(sent.call, client.key, limits, now);
              if (outcome.admitted) {
                admit(client.key, sent.call.admitUnits);
                seen.viaCall += sent.call.admitUnits;
              }
              toClient.push({ client: sent.client, call: sent.call, outcome });
            } else if (c.kind === "toClient" && toClient.length > 0) {
              const [reply] = toClient.splice(c.pick % toClient.length, 1) as [Reply];
              const client = clients[reply.client] as Client;
              client.lease.settle(reply.call, reply.outcome, local(client));
              for (const w of waiting.splice(0)) read(w.client, w.units, false);
            } else if (c.kind === "lose") {
              // A call lost on the way (its reports with it) or its answer lost on the way back.
              if (toBank.length > 0 && c.pick % 2 === 0) {
                const [lost] = toBank.splice(c.pick % toBank.length, 1) as [InFlight];
                (clients[lost.client] as Client).lease.failed(lost.call);
              } else if (toClient.length > 0) {
                const [lost] = toClient.splice(c.pick % toClient.length, 1) as [Reply];
                (clients[lost.client] as Client).lease.failed(lost.call);
              }
            } else if (c.kind === "direct") {
              const key = KEYS[c.key] as string;
              if (bank.admit(key, c.units, limits, now)) {
                admit(key, c.units);
                seen.direct += c.units;
              }
            }
          }

          const times = (key?: string) =>
            admitted
              .filter((unit) => key === undefined || unit.key === key)
              .map((unit) => unit.at)
              .sort((a, b) => a - b);
          expect(maxInWindow(times())).toBeLessThanOrEqual(LIMIT);
          if (limits.key !== null) {
            for (const key of KEYS) expect(maxInWindow(times(key))).toBeLessThanOrEqual(limits.key);
          }
          // What the bank counts never falls below what really happened in the last 60 s.
          const recent = times().filter((at) => at > now - 60_000).length;
          expect(bank.usedByAccount(now)).toBeGreaterThanOrEqual(recent);
        },
      ),
      { seed: 20261201, numRuns: 400 },
    );
    console.log(`lease property: ${JSON.stringify(seen)}`);
    expect(seen.leased).toBeGreaterThan(1_000);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.direct).toBeGreaterThan(0);
  });
});
