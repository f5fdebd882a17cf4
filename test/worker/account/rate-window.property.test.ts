// The rolling window's bookkeeping against a plain model: whatever the arrivals (bursts of
// thousands included, so the in-memory lists are compacted again and again; units admitted a
// little in the past or the future, as lease reports are; units taken back), the count, the time
// until the oldest leaves and the wait until some more fit are the model's, and a window
// reloaded from SQLite says the same.
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PersistedWindows } from "../../../src/account/bank-windows";
import { RollingWindow, WINDOW_MS } from "../../../src/limits/rolling-window";
import { accountObject } from "../support/account-object";
import { uniqueId } from "../support/gateway";

interface Entry {
  at: number;
  units: number;
}

/** The model: every entry, kept forever, scanned in full. */
function live(entries: readonly Entry[], now: number): Entry[] {
  return entries
    .filter((entry) => entry.at > now - WINDOW_MS && entry.units > 0)
    .sort((a, b) => a.at - b.at);
}

function modelUsed(entries: readonly Entry[], now: number): number {
  return live(entries, now).reduce((sum, entry) => sum + entry.units, 0);
}

function modelMsUntilFree(entries: readonly Entry[], now: number, limit: number, units: number) {
  const counted = live(entries, now);
  let excess = modelUsed(entries, now) + units - limit;
  if (excess <= 0) return 0;
  if (units > limit) return Number.POSITIVE_INFINITY;
  for (const entry of counted) {
    excess -= entry.units;
    if (excess <= 0) return Math.max(0, entry.at + WINDOW_MS - now);
  }
  return Number.POSITIVE_INFINITY;
}

const step = fc.record({
  advanceMs: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 50 }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 2 },
    { arbitrary: fc.constantFrom(59_999, 60_000, 60_001), weight: 1 },
  ),
  admissions: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 5 }), weight: 3 },
    { arbitrary: fc.integer({ min: 100, max: 800 }), weight: 1 },
  ),
  units: fc.integer({ min: 1, max: 4 }),
  /** Where the admissions land relative to now: a lease report is up to ~1.2 s off. */
  offsetMs: fc.oneof(
    { arbitrary: fc.constant(0), weight: 4 },
    { arbitrary: fc.integer({ min: -1_500, max: 1_500 }), weight: 1 },
  ),
  takeBack: fc.boolean(),
});

describe("the rolling window", () => {
  it("counts, ages and frees exactly like the model, through compactions, out-of-order entries and removals", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        let now = 1_000_000_000;
        const window = new RollingWindow();
        const entries: Entry[] = [];
        for (const { advanceMs, admissions, units, offsetMs, takeBack } of steps) {
          now += advanceMs;
          const at = now + offsetMs;
          for (let i = 0; i < admissions; i++) {
            window.add(at, units);
            entries.push({ at, units });
          }
          if (takeBack) {
            // Always inside the window (offsets stay within ±1.5 s of now).
            const here = entries.filter((entry) => entry.at === at);
            const held = here.reduce((sum, entry) => sum + entry.units, 0);
            const taken = window.remove(at, units);
            expect(taken).toBe(Math.min(units, held));
            let left = taken;
            for (const entry of here) {
              const part = Math.min(left, entry.units);
              entry.units -= part;
              left -= part;
            }
          }
          expect(window.used(now)).toBe(modelUsed(entries, now));
          const oldest = live(entries, now)[0];
          expect(window.resetSeconds(now)).toBe(
            oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest.at + WINDOW_MS - now) / 1000)),
          );
          for (const limit of [1, 60, 1_000]) {
            for (const need of [1, 3]) {
              expect(window.msUntilFree(now, limit, need)).toBe(
                modelMsUntilFree(entries, now, limit, need),
              );
            }
          }
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it("persists in the account's SQLite: reloaded windows, the account's and each key's, count the same", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        await runInDurableObject(accountObject(uniqueId("window")), (_instance, state) => {
          const sql = state.storage.sql;
          sql.exec("DELETE FROM rate_events");
          let now = Date.now();
          const windows = new PersistedWindows(sql, now);
          const entries: Entry[] = [];
          for (const { advanceMs, admissions, units, offsetMs } of steps) {
            now += advanceMs;
            for (let i = 0; i < admissions; i++) {
              windows.record(`key_${units}`, now + offsetMs, units);
              entries.push({ at: now + offsetMs, units });
            }
            expect(windows.account.used(now)).toBe(modelUsed(entries, now));
          }
          const reloaded = new PersistedWindows(sql, now);
          expect(reloaded.account.used(now)).toBe(modelUsed(entries, now));
          // Each key's own window is restored too (units stand for the key here).
          for (const units of [1, 2, 3, 4]) {
            const own = entries.filter((entry) => entry.units === units);
            expect(reloaded.key(`key_${units}`).used(now)).toBe(modelUsed(own, now));
          }
        });
      }),
      { seed: 7, numRuns: 25 },
    );
  }, 120_000);
});
