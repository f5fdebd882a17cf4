// The benchmark's origin, in its own process so it does not share an event loop with the load
// generator: the demo origin with its test controls (X-Test-Delay-Ms, X-Test-Tag, /__test/stats).
// Forked by run.ts; reports its URL over IPC and exits when the parent goes away.
//
// With a baseline arm (BENCH_BASELINE_URL), finished submissions are reported through a router
// that sends each account's reports to its own arm (release-router.ts).
import { startDemoOrigin } from "../../scripts/demo-origin/index.ts";
import { BASELINE_ACCOUNT_PREFIX } from "./accounts.ts";
import { startReleaseRouter } from "./release-router.ts";

const port = Number(process.env.BENCH_ORIGIN_PORT ?? "0");
const adminToken = process.env.BENCH_ADMIN_TOKEN;
const baselineUrl = process.env.BENCH_BASELINE_URL;
const router =
  baselineUrl === undefined || process.env.BENCH_GATEWAY_URL === undefined
    ? null
    : await startReleaseRouter(
        [{ accountPrefix: BASELINE_ACCOUNT_PREFIX, url: baselineUrl }],
        process.env.BENCH_GATEWAY_URL,
      );
const gatewayUrl = router?.url ?? process.env.BENCH_GATEWAY_URL;

let logged = 0;
const origin = await startDemoOrigin({
  port,
  host: "127.0.0.1",
  testControls: true,
  // Submissions finish quickly and are reported to the gateway, so the overload scenario's
  // in-flight slots keep cycling instead of all being held.
  runSeconds: Number(process.env.BENCH_ORIGIN_RUN_SECONDS ?? "0.5"),
  gatewayUrl,
  adminToken,
  // Creates are the overload scenario's traffic; credits must not be what runs out.
  initialCredits: 1_000_000_000,
  // Release reports for the nginx arm's submissions go to the gateway, which does not know
  // those accounts: a 404 by design, not worth a line. Anything else, the first few times.
  log: (message) => {
    if (message.includes("(account nginx-")) return;
    if (logged++ < 3) console.error(message);
  },
});

function shutdown(): void {
  origin.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}

process.once("disconnect", shutdown);
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
process.send?.({ url: origin.url });
