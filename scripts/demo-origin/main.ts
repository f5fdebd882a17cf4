// CLI entry of the demo origin on its own: `node scripts/demo-origin/main.ts`.
// ORIGIN_PORT (default 8788); GATEWAY_URL + ADMIN_TOKEN to report finished runs;
// DEMO_TEST_CONTROLS=true to enable the test controls; RUN_SECONDS for the run length.
import { startDemoOrigin } from "./index.ts";

const port = Number(process.env.ORIGIN_PORT ?? "8788");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`ORIGIN_PORT must be a port number, got ${process.env.ORIGIN_PORT}`);
  process.exit(2);
}
const runSeconds = Number(process.env.RUN_SECONDS ?? "5");

const origin = await startDemoOrigin({
  port,
  host: process.env.ORIGIN_HOST ?? "127.0.0.1",
  runSeconds,
  gatewayUrl: process.env.GATEWAY_URL,
  adminToken: process.env.ADMIN_TOKEN,
  testControls: process.env.DEMO_TEST_CONTROLS === "true",
});
console.log(`demo origin listening on ${origin.url}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    origin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
