import { accountStub } from "../account/client";
import type { UsageBatchPayload } from "../account/contract";
import type { Bindings } from "../env";
import { GatewayError } from "../errors/gateway-error";
import type { UsageBatch } from "../isolate/usage-batch";
import { originClass } from "../usage/usage-counts";
import type { ApiRequest } from "./api-request";

/** A path longer than this is listed cut (the listing is for finding a log line). */
const MAX_LISTED_PATH = 512;

/**
 * Counts what only this isolate saw of a request of a known account, in memory (contract
 * section 11): a read it admitted itself (on a lease, or failing open), the class of the
 * origin's answer, a refusal it decided. What the account's object decided it has counted
 * already (`req.countedByObject`); every refusal is listed among the recent ones either way.
 * The batch leaves after the response, in `waitUntil`.
 */
export function countUsage(
  req: ApiRequest,
  usage: UsageBatch,
  verdict: unknown,
  status: number,
  now: number,
): void {
  const caller = req.caller;
  if (caller === null) return;
  const { accountId, keyId } = caller;
  // Admissions and refusals count in the minute the request arrived (as the object counts
  // them, at admission); an origin's answer in the minute it came back.
  if (!req.countedByObject && (req.decision === "admitted" || req.decision === "fail_open")) {
    usage.admitted(accountId, keyId, req.cost, req.started);
  }
  if (req.forwarded) {
    // An origin that failed to answer is a 5xx to the client (502 or 504 from the gateway).
    usage.origin(accountId, keyId, verdict instanceof Response ? originClass(status) : "5xx", now);
  } else if (!(verdict instanceof Response)) {
    usage.rejected(
      accountId,
      {
        at: req.started,
        requestId: req.requestId,
        code: verdict instanceof GatewayError ? verdict.code : "internal_error",
        status,
        keyId,
        method: req.method,
        path: req.rawPath.slice(0, MAX_LISTED_PATH),
      },
      !req.countedByObject,
    );
  }
  if (usage.wantsSchedule) usage.schedule(req.ctx, senderFor(req.env));
}

function senderFor(env: Bindings) {
  return (accountId: string, payload: UsageBatchPayload) =>
    accountStub(env.ACCOUNTS, accountId).recordUsage(payload);
}
