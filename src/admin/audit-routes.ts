import { Hono } from "hono";
import { accountStub } from "../account/client";
import { type AuditFilter, BOOTSTRAP_ACTOR } from "../audit/audit-entry";
import type { Clock } from "../clock";
import { directoryStub } from "../directory/client";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { isAccountId } from "./admin-input";
import { invalidParameter, limitParam, queryParams, timeRange } from "./admin-query";
import { CREDENTIAL_ID } from "./admin-secret";
import { auditView } from "./admin-views";

const MAX_AUDIT_LIMIT = 1000;
const AUDIT_SPAN_MS = 90 * 86_400_000;

/**
 * The audit log (contract section 11), newest first. With `account_id` it is read from that
 * account's object, where each entry was written with its mutation; otherwise from the
 * directory's copy, indexed by actor and time, so no query visits every account.
 */
export function auditRoutes(clock: Clock) {
  const audit = new Hono<GatewayRoutesEnv>();

  audit.get("/audit", async (c) => {
    const params = queryParams(c.req.url, ["account_id", "actor", "from", "to", "limit"]);
    const accountId = params.get("account_id") ?? null;
    if (accountId !== null && !isAccountId(accountId)) {
      throw invalidParameter("account_id", "account_id is not an account id.");
    }
    const actor = params.get("actor") ?? null;
    if (actor !== null && actor !== BOOTSTRAP_ACTOR && !CREDENTIAL_ID.test(actor)) {
      throw invalidParameter("actor", 'actor must be "bootstrap" or an admin credential id.');
    }
    const filter: AuditFilter = {
      accountId,
      actor,
      ...timeRange(params, clock.now(), AUDIT_SPAN_MS),
      limit: limitParam(params, 100, MAX_AUDIT_LIMIT),
    };
    const entries =
      accountId === null
        ? await directoryStub(c.env.DIRECTORY).queryAudit(filter)
        : await accountStub(c.env.ACCOUNTS, accountId).queryAudit(filter);
    if (entries === null) throw new GatewayError("not_found", { message: "No such account." });
    return c.json({ data: entries.map(auditView) });
  });

  return audit;
}
