// The bank's accounting, case by case (GATEWAY.md section 9): when a granted unit counts, from
// when and until when, and what a report changes. The property test (lease-bank.property) holds
// it to the limit over arbitrary interleavings; these pin each rule with explicit numbers.
import { describe, expect, it } from "vitest";
import { type BankLimits, LeaseBank } from "../../src/leases/lease-bank";
import { LEASE_MS, REPORT_GRAIN_MS, SKEW_MS } from "../../src/leases/lease-terms";
import { MemoryWindows } from "../../src/leases/memory-windows";

const G = 1_000_000;
const LIMITS: BankLimits = { account: 10, key: null };

function bankWith(): LeaseBank {
  return new LeaseBank(new MemoryWindows());
}

describe("the bank", () => {
  it("counts a granted unit from its grant, and frees what a report says was not used", () => {
    const bank = bankWith();
    const lease = bank.grant("k", 6, LIMITS, G);
    expect(lease?.units).toBe(6);
    expect(bank.usedByAccount(G)).toBe(6);
    expect(bank.free("k", LIMITS, G)).toBe(4);
    bank.report({ leaseId: lease?.id as string, uses: [[100, 2]], keep: 0 }, G + 200);
    expect(bank.usedByAccount(G + 200)).toBe(2);
  });

  it("counts a reported use from its offset plus the skew allowance, for 60 s", () => {
    const bank = bankWith();
    const lease = bank.grant("k", 1, LIMITS, G);
    // The holder's clock read 40 ms behind: a use at real G + 500 was measured at 460, rounded
    // up to the report's grain.
    const measured = Math.ceil(460 / REPORT_GRAIN_MS) * REPORT_GRAIN_MS;
    bank.report({ leaseId: lease?.id as string, uses: [[measured, 1]], keep: 0 }, G + 600);
    const realUse = G + 500;
    expect(bank.usedByAccount(realUse + 60_000 - 1)).toBe(1);
    expect(bank.usedByAccount(G + measured + SKEW_MS + 60_000)).toBe(0);
  });

  it("takes reported offsets within the lease's span", () => {
    const bank = bankWith();
    const lease = bank.grant("k", 2, LIMITS, G);
    bank.report(
      {
        leaseId: lease?.id as string,
        uses: [
          [-500, 1],
          [99_999, 1],
        ],
        keep: 0,
      },
      G + 10,
    );
    // One counted at the grant (+ skew), one at the lease's end (+ skew).
    expect(bank.usedByAccount(G + SKEW_MS + 60_000 - 1)).toBe(2);
    expect(bank.usedByAccount(G + SKEW_MS + 60_000)).toBe(1);
    expect(bank.usedByAccount(G + LEASE_MS + SKEW_MS + 60_000 - 1)).toBe(1);
    expect(bank.usedByAccount(G + LEASE_MS + SKEW_MS + 60_000)).toBe(0);
  });

  it("counts units never reported as used at the lease's end, and a late report corrects them", () => {
    const bank = bankWith();
    const lease = bank.grant("k", 5, LIMITS, G);
    const end = G + LEASE_MS + SKEW_MS;
    expect(lease?.expiresAt).toBe(end);
    expect(bank.usedByAccount(end + 10)).toBe(5);
    expect(bank.usedByAccount(end + 60_000 - 1)).toBe(5);
    // Reported after the end: 1 used early on, the other 4 free at once.
    bank.report({ leaseId: lease?.id as string, uses: [[50, 1]], keep: 9 }, end + 500);
    expect(bank.usedByAccount(end + 500)).toBe(1);
    expect(bank.usedByAccount(G + 50 + SKEW_MS + 60_000)).toBe(0);
  });

  it("ignores a report of a lease long gone or never granted", () => {
    const bank = bankWith();
    const lease = bank.grant("k", 3, LIMITS, G);
    const end = G + LEASE_MS + SKEW_MS;
    expect(bank.usedByAccount(end + 60_000)).toBe(0);
    bank.report({ leaseId: lease?.id as string, uses: [[0, 3]], keep: 0 }, end + 60_001);
    bank.report({ leaseId: "nope", uses: [[0, 3]], keep: 0 }, end + 60_001);
    expect(bank.usedByAccount(end + 60_001)).toBe(0);
  });

  it("lets a running lease give back what it keeps no more, and keeps the rest outstanding", () => {
    const bank = bankWith();
    const lease = bank.grant("k", 8, LIMITS, G);
    bank.report({ leaseId: lease?.id as string, uses: [[100, 2]], keep: 3 }, G + 300);
    // 2 used, 3 kept, 3 given back.
    expect(bank.usedByAccount(G + 300)).toBe(5);
    expect(bank.free("k", LIMITS, G + 300)).toBe(5);
    // The final report of the kept units.
    bank.report({ leaseId: lease?.id as string, uses: [[600, 1]], keep: 0 }, G + 900);
    expect(bank.usedByAccount(G + 900)).toBe(3);
  });

  it("grants and admits only what fits under both the account's and the key's limits", () => {
    const limits: BankLimits = { account: 10, key: 4 };
    const bank = bankWith();
    expect(bank.admit("a", 3, limits, G)).toBe(true);
    expect(bank.grant("a", 5, limits, G)?.units).toBe(1);
    expect(bank.admit("a", 1, limits, G)).toBe(false);
    expect(bank.grant("b", 9, limits, G)?.units).toBe(4);
    expect(bank.usedByAccount(G)).toBe(8);
    expect(bank.admit("c", 3, limits, G)).toBe(false);
    expect(bank.admit("c", 2, limits, G)).toBe(true);
    expect(bank.grant("c", 1, limits, G)).toBeNull();
  });

  it("serves a call in order: reports first, then its request, then a lease from the rest", () => {
    const bank = bankWith();
    const first = bank.grant("k", 10, LIMITS, G);
    const outcome = bank.serve(
      {
        admitUnits: 1,
        ask: { want: 5, reports: [{ leaseId: first?.id as string, uses: [[0, 4]], keep: 0 }] },
      },
      "k",
      LIMITS,
      G + 100,
    );
    expect(outcome.admitted).toBe(true);
    expect(outcome.grant?.units).toBe(5);
    expect(outcome.full).toBe(false);
    const full = bank.serve({ admitUnits: 1, ask: { want: 5, reports: [] } }, "k", LIMITS, G + 100);
    expect(full).toMatchObject({ admitted: false, grant: null, full: true });
    expect(full.retryInMs).toBeGreaterThan(0);
  });
});
