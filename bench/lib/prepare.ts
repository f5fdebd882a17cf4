// Bringing the gateway (or nginx) to a scenario's starting state, with traffic under its own tag
// so it never counts in the measured run.
import { setTimeout as sleep } from "node:timers/promises";
import { send } from "./load.ts";
import type { RequestSpec, Scenario } from "./scenarios.ts";

export async function prepare(
  step: NonNullable<Scenario["prepare"]>,
  baseUrl: string,
  spec: RequestSpec,
  tag: string,
): Promise<void> {
  if (step === "fill_rate_window") {
    // The window is full once one request is refused.
    for (let i = 0; i < 10; i++) {
      if ((await send(baseUrl, spec, tag)).status === 429) return;
    }
    throw new Error(`${baseUrl}${spec.path}: no 429 after 10 requests on a 1-per-minute key`);
  }
  // store_idempotent_answer: the first request creates; completion stores the answer after the
  // response, so wait until a repeat is a replay.
  for (let i = 0; i < 50; i++) {
    const answer = await send(baseUrl, spec, tag);
    if (answer.headers.get("idempotent-replayed") === "true") return;
    if (answer.status !== 201 && answer.status !== 409) {
      throw new Error(`${baseUrl}${spec.path}: idempotent create answered ${answer.status}`);
    }
    await sleep(50);
  }
  throw new Error(`${baseUrl}${spec.path}: the idempotent answer was never replayed`);
}
