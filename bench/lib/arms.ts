// The arms of a scenario with `--baseline`, and their order in each round.
import type { Arm } from "./scenarios.ts";

/** A scenario's arms with `baseline` right after `gateway`, when there is a baseline. */
export function withBaseline(arms: readonly Arm[], baseline: boolean): readonly Arm[] {
  if (!baseline || !arms.includes("gateway") || arms.includes("baseline")) return arms;
  return arms.flatMap((arm): Arm[] => (arm === "gateway" ? ["gateway", "baseline"] : [arm]));
}

/**
 * The arms of one round: rotated by the round so no arm always goes first, with gateway and
 * baseline kept back to back as one unit (their ratio is the one an A/B is read by, and two runs
 * a few seconds apart see the same machine) and swapped on odd rounds so neither of the two is
 * always the first of the pair.
 */
export function roundOrder(arms: readonly Arm[], round: number): Arm[] {
  const paired = arms.includes("gateway") && arms.includes("baseline");
  const pair: Arm[] = round % 2 === 0 ? ["gateway", "baseline"] : ["baseline", "gateway"];
  const units: Arm[][] = paired
    ? arms.filter((arm) => arm !== "baseline").map((arm) => (arm === "gateway" ? pair : [arm]))
    : arms.map((arm) => [arm]);
  const shift = round % Math.max(1, units.length);
  return [...units.slice(shift), ...units.slice(0, shift)].flat();
}
