import { accountStub } from "../../account/client";
import type { Identity } from "../../model/records";
import { forwardToOrigin } from "../../proxy/forward";
import type { ApiRequest } from "../api-request";
import type { PipelineDeps, StepVerdict } from "./step";

/**
 * Step 6: the origin. The whole exchange and its completion run under `waitUntil`: a client
 * that hangs up cancels its handler, but the origin may already be creating, so the exchange
 * and its report to the account's object still run to their end.
 */
export async function forward(req: ApiRequest, deps: PipelineDeps): Promise<StepVerdict> {
  const caller = req.caller as Identity;
  req.forwarded = true;
  const forwarded = forwardToOrigin({
    request: req.request,
    withheld: req.withheld,
    config: req.config,
    route: req.route,
    identity: caller,
    requestId: req.requestId,
    ticket: req.ticket,
    idempotencyKey: req.idempotency?.key ?? null,
    body: req.body,
    watchSubmission: req.watchSubmission,
    probe: req.probe,
    clock: deps.clock,
    account: () => accountStub(req.env.ACCOUNTS, caller.accountId),
  });
  // Only an exchange the account's object waits for (a slot, a key) or a read that may end a
  // job has work left after the response; a plain read has none.
  const ticket = req.ticket;
  if (
    (ticket !== null && (ticket.slotId !== null || ticket.idempotency !== null)) ||
    req.watchSubmission
  ) {
    req.ctx.waitUntil(forwarded.then((done) => done.settled).catch(() => undefined));
  }
  const { answer, originMs } = await forwarded;
  req.originMs = originMs;
  return answer;
}
