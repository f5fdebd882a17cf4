// The baseline arm sits right after the gateway, and the two run back to back in every round
// (their ratio is the A/B), each first of the pair every other round.
import { describe, expect, it } from "vitest";
import { roundOrder, withBaseline } from "../../bench/lib/arms.ts";
import type { Arm } from "../../bench/lib/scenarios.ts";

const PROXY: readonly Arm[] = ["origin", "floor", "passthrough", "gateway", "nginx"];

describe("withBaseline", () => {
  it("adds baseline right after gateway", () => {
    expect(withBaseline(PROXY, true)).toEqual([
      "origin",
      "floor",
      "passthrough",
      "gateway",
      "baseline",
      "nginx",
    ]);
    expect(withBaseline(["gateway", "nginx"], true)).toEqual(["gateway", "baseline", "nginx"]);
  });

  it("changes nothing without a baseline, without a gateway arm, or when it is there", () => {
    expect(withBaseline(PROXY, false)).toEqual(PROXY);
    expect(withBaseline(["floor", "envelope"], true)).toEqual(["floor", "envelope"]);
    expect(withBaseline([], true)).toEqual([]);
    expect(withBaseline(["gateway", "baseline"], true)).toEqual(["gateway", "baseline"]);
  });
});

describe("roundOrder", () => {
  it("rotates by round as before when there is no baseline", () => {
    expect(roundOrder(PROXY, 0)).toEqual(PROXY);
    expect(roundOrder(PROXY, 1)).toEqual(["floor", "passthrough", "gateway", "nginx", "origin"]);
    expect(roundOrder(PROXY, 5)).toEqual(PROXY);
    expect(roundOrder([], 3)).toEqual([]);
  });

  it("keeps gateway and baseline back to back, alternating which goes first", () => {
    const arms = withBaseline(PROXY, true);
    for (let round = 0; round < 12; round++) {
      const order = roundOrder(arms, round);
      expect([...order].sort()).toEqual([...arms].sort());
      const at = order.indexOf("gateway");
      const pair = round % 2 === 0 ? order.slice(at, at + 2) : order.slice(at - 1, at + 1);
      expect(pair).toEqual(round % 2 === 0 ? ["gateway", "baseline"] : ["baseline", "gateway"]);
    }
    expect(roundOrder(arms, 0)).toEqual(arms);
    expect(roundOrder(arms, 1)).toEqual([
      "floor",
      "passthrough",
      "baseline",
      "gateway",
      "nginx",
      "origin",
    ]);
    expect(roundOrder(["gateway", "baseline", "nginx"], 2)).toEqual([
      "gateway",
      "baseline",
      "nginx",
    ]);
    expect(roundOrder(["gateway", "baseline", "nginx"], 3)).toEqual([
      "nginx",
      "baseline",
      "gateway",
    ]);
  });

  it("rotates so that every unit goes first once in as many rounds as there are units", () => {
    const arms = withBaseline(["floor", "gateway", "nginx"], true);
    const firsts = [0, 1, 2].map((round) => roundOrder(arms, round)[0]);
    expect(firsts).toEqual(["floor", "baseline", "nginx"]);
  });
});
