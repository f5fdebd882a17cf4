// The benchmark's arithmetic: ratios are paired round by round, so a slow stretch of the machine
// that hits one round weighs on both arms of that round, not on one arm's median.
import { describe, expect, it } from "vitest";
import { median, pairedRatio } from "../../bench/lib/report.ts";

describe("median", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("pairedRatio", () => {
  it("is the median of the per-round ratios", () => {
    expect(pairedRatio([80, 45, 90], [100, 50, 100])).toBeCloseTo(0.9);
  });

  it("is not fooled by drift that a ratio of medians would report", () => {
    // The machine halves its speed from round 2 on; the arm is 0.9 of the reference throughout.
    expect(pairedRatio([9_000, 4_500, 4_500], [10_000, 5_000, 5_000])).toBeCloseTo(0.9);
    // A slow stretch that caught only the arm's run of round 2: the ratio of the medians would
    // say 4_500 / 10_000 = 0.45; the round-by-round median says 0.9.
    const arm = [9_000, 4_500, 4_500];
    const reference = [10_000, 10_000, 5_000];
    expect(median(arm) / median(reference)).toBeCloseTo(0.45);
    expect(pairedRatio(arm, reference)).toBeCloseTo(0.9);
  });

  it("skips rounds missing on either side and gives null when none are left", () => {
    expect(pairedRatio([90, 0], [100, 100])).toBeCloseTo(0.9);
    expect(pairedRatio([90, 80, 70], [100])).toBeCloseTo(0.9);
    expect(pairedRatio([], [100])).toBeNull();
    expect(pairedRatio([0], [0])).toBeNull();
  });
});
