// The rolling window's bookkeeping against a plain model: whatever the arrivals (bursts of
// thousands included, so the in-memory list is compacted again and again), the count, the time
// until the oldest leaves and the wait until one more fits are the model's, and a window
// reloaded from SQLite says the same.
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RateWindow, WINDOW_MS } from "../../../src/account/rate-window";
import { accountObject } from "../support/account-object";
import { uniqueId } from "../support/gateway";

/** The model: every admission time, kept forever, scanned in full. */
function counted(times: readonly number[], now: number): number[] {
  return times.filter((at) => at > now - WINDOW_MS);
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
});

describe("RateWindow", () => {
  it("counts, ages and frees exactly like the model, through compactions and a reload", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        await runInDurableObject(accountObject(uniqueId("window")), (_instance, state) => {
          const sql = state.storage.sql;
          sql.exec("DELETE FROM rate_events");
          let now = Date.now();
          const window = new RateWindow(sql, now);
          const times: number[] = [];
          for (const { advanceMs, admissions } of steps) {
            now += advanceMs;
            for (let i = 0; i < admissions; i++) {
              window.record(now);
              times.push(now);
            }
            const live = counted(times, now);
            expect(window.used(now)).toBe(live.length);
            const oldest = live[0];
            expect(window.resetSeconds(now)).toBe(
              oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)),
            );
            for (const limit of [1, 60, 1_000]) {
              const mustLeave = live[Math.max(0, live.length - limit)];
              expect(window.msUntilFree(now, limit)).toBe(
                live.length < limit || mustLeave === undefined
                  ? 0
                  : Math.max(0, mustLeave + WINDOW_MS - now),
              );
            }
          }
          expect(new RateWindow(sql, now).used(now)).toBe(counted(times, now).length);
        });
      }),
      { seed: 7, numRuns: 25 },
    );
  }, 120_000);
});
