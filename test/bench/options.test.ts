// `--baseline=<ref>`: parsed beside the other options, it adds the baseline arm to the scenarios
// that run the gateway and sends the results to a file of their own.
import { describe, expect, it } from "vitest";
import { parseOptions, resultsFile, selected } from "../../bench/lib/options.ts";

const parse = (...argv: string[]) => parseOptions(argv, {});

describe("--baseline", () => {
  it("is null unless given, and the ref as given otherwise", () => {
    expect(parse().baseline).toBeNull();
    expect(parse("--smoke").baseline).toBeNull();
    expect(parse("--baseline=HEAD~1").baseline).toBe("HEAD~1");
    expect(parse("--smoke", "--baseline=v1.2", "--rounds=3").baseline).toBe("v1.2");
  });

  it("refuses an empty ref and one that looks like an option", () => {
    expect(() => parse("--baseline=")).toThrow(/needs a git ref/);
    expect(() => parse("--baseline=--only=admitted_get")).toThrow(/needs a git ref/);
    expect(() => parse("--baseline")).toThrow(/unknown argument/);
  });

  it("keeps the other options as they are", () => {
    const options = parse("--baseline=HEAD", "--only=admitted_get", "--rounds=3", "--duration=2");
    expect(options).toMatchObject({ rounds: 3, durationS: 2, only: ["admitted_get"] });
  });
});

describe("selected", () => {
  it("adds baseline right after gateway where the gateway runs, and only with --baseline", () => {
    const plain = selected(parse("--only=admitted_get,rejection_401_missing,admitted_create"));
    expect(plain.map((scenario) => scenario.arms)).toEqual([
      ["origin", "floor", "passthrough", "admitted-floor", "gateway", "nginx"],
      ["floor", "envelope", "gateway", "nginx"],
      [],
    ]);
    const ab = selected(
      parse("--baseline=HEAD", "--only=admitted_get,rejection_401_missing,admitted_create"),
    );
    expect(ab.map((scenario) => scenario.arms)).toEqual([
      ["origin", "floor", "passthrough", "admitted-floor", "gateway", "baseline", "nginx"],
      ["floor", "envelope", "gateway", "baseline", "nginx"],
      [],
    ]);
  });

  it("keeps each scenario's request and facts", () => {
    const [scenario] = selected(parse("--baseline=HEAD", "--only=rejection_429_rate"));
    expect(scenario?.prepare).toBe("fill_rate_window");
    expect(typeof scenario?.request).toBe("function");
    expect(scenario?.doCallsAtMost).toBe(0.05);
  });
});

describe("resultsFile", () => {
  it("never lets a smoke run, a partial run or an A/B replace bench/results.json", () => {
    expect(resultsFile(parse())).toBe("results.json");
    expect(resultsFile(parse("--only=admitted_get"))).toBe(".work/results-partial.json");
    expect(resultsFile(parse("--baseline=HEAD~1"))).toBe(".work/results-ab.json");
    expect(resultsFile(parse("--baseline=HEAD~1", "--only=admitted_get"))).toBe(
      ".work/results-ab.json",
    );
    expect(resultsFile(parse("--smoke"))).toBe(".work/results-smoke.json");
    expect(resultsFile(parse("--smoke", "--baseline=HEAD"))).toBe(".work/results-smoke.json");
  });
});
