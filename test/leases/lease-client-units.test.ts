// A lease is in units (contract section 10, Cost): a read of cost N takes N of its lease's
// units, is admitted only if all N fit in one lease, and is reported with its N units.
import { describe, expect, it } from "vitest";
import { LeaseClient } from "../../src/leases/lease-client";
import { planRead } from "../../src/leases/plain-read";

function clientHolding(units: number, now: number): LeaseClient {
  const client = new LeaseClient();
  const call = client.callFor(now, 1);
  client.settle(
    call,
    {
      admitted: true,
      grant: { leaseId: "lease-1", units, leaseMs: 1_000 },
      full: false,
      retryInMs: 0,
    },
    now,
  );
  return client;
}

describe("a lease in units", () => {
  it("takes a read's whole cost from one lease, and only if all of it fits", () => {
    const client = clientHolding(12, 0);
    expect(planRead(client, 10, 5)).toEqual({ kind: "leased", remaining: 7 });
    expect(planRead(client, 20, 5)).toEqual({ kind: "leased", remaining: 2 });
    // 2 units left: a cost-5 read does not fit and goes to the object; a cost-1 read still does.
    expect(planRead(client, 30, 5).kind).toBe("call");
    expect(client.remaining(30)).toBe(2);
  });

  it("reports the units each read used", () => {
    const client = clientHolding(12, 0);
    planRead(client, 10, 5);
    planRead(client, 10, 1);
    // Past the lease's end, its report goes with the next read's call: 6 units used, none kept.
    const next = planRead(client, 2_000, 1);
    if (next.kind !== "call") throw new Error(`expected a call, got ${next.kind}`);
    const report = next.call.ask.reports.find((r) => r.leaseId === "lease-1");
    expect(report).toBeDefined();
    const used = (report?.uses ?? []).reduce((sum, [, units]) => sum + units, 0);
    expect(used).toBe(6);
    expect(report?.keep).toBe(0);
  });
});
