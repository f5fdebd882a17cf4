// Starts one test origin (the demo origin with test controls) for the workerd test project and
// hands its port to the tests and to the Worker's ORIGIN_URL binding (vitest.config.ts).
import type { TestProject } from "vitest/node";
import { startTestOrigin } from "./origin.ts";

export default async function setup(project: TestProject) {
  const origin = await startTestOrigin();
  project.provide("originPort", origin.port);
  return () => origin.close();
}
