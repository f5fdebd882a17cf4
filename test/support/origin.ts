// The demo origin as the node-side test suites use it: test controls on, a random free port,
// and short runs so lifecycle tests finish quickly.
import { type DemoOrigin, startDemoOrigin } from "../../scripts/demo-origin/index.ts";

export type TestOrigin = DemoOrigin;

export function startTestOrigin(): Promise<TestOrigin> {
  return startDemoOrigin({ port: 0, host: "127.0.0.1", runSeconds: 2, testControls: true });
}
