import type { Context } from "hono";
import { accountStub } from "../account/account-client";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { forwardToOrigin } from "./forward";

/**
 * Step 6 as the chain's last handler. The whole exchange runs under `waitUntil`: when the
 * client hangs up the runtime cancels the handler, but the origin may already be creating, so
 * the exchange and its completion report must still run to their end.
 */
export function proxyToOrigin(clock: Clock) {
  return async function proxyHandler(c: Context<AppEnv>): Promise<Response> {
    const identity = c.get("identity");
    const forwarded = forwardToOrigin({
      request: c.req.raw,
      config: c.get("config"),
      route: c.get("route"),
      identity,
      requestId: c.get("requestId"),
      ticket: c.get("ticket"),
      idempotencyKey: c.get("idempotency")?.key ?? null,
      body: c.get("body"),
      watchSubmission: c.get("watchSubmission"),
      probe: c.get("breakerProbe"),
      clock,
      account: () => accountStub(c.env, identity.accountId),
    });
    c.executionCtx.waitUntil(forwarded.then((done) => done.settled).catch(() => undefined));
    const { answer, originMs } = await forwarded;
    c.get("log").originMs = originMs;
    if (answer instanceof GatewayError) throw answer;
    return answer;
  };
}
