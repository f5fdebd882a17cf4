import { Hono } from "hono";
import { accountStub } from "../account/client";
import type { Clock } from "../clock";
import type { GatewayRoutesEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { RECENT_REJECTIONS_KEPT } from "../usage/usage-counts";
import { isAccountId } from "./admin-input";
import { limitParam, queryParams, usageParams } from "./admin-query";
import { rejectionView, usageBucketView } from "./admin-views";

function noAccount(): GatewayError {
  return new GatewayError("not_found", { message: "No such account." });
}

/** An account's usage and its recent rejections (contract section 11), read from its object. */
export function usageRoutes(clock: Clock) {
  const usage = new Hono<GatewayRoutesEnv>();

  usage.get("/accounts/:id/usage", async (c) => {
    const id = c.req.param("id");
    const query = usageParams(c.req.url, clock.now());
    const buckets = isAccountId(id)
      ? await accountStub(c.env.ACCOUNTS, id).queryUsage(query)
      : null;
    if (buckets === null) throw noAccount();
    return c.json({ data: buckets.map(usageBucketView) });
  });

  usage.get("/accounts/:id/rejections", async (c) => {
    const id = c.req.param("id");
    const limit = limitParam(
      queryParams(c.req.url, ["limit"]),
      RECENT_REJECTIONS_KEPT,
      RECENT_REJECTIONS_KEPT,
    );
    const found = isAccountId(id)
      ? await accountStub(c.env.ACCOUNTS, id).recentRejections(limit)
      : null;
    if (found === null) throw noAccount();
    return c.json({ data: found.map(rejectionView) });
  });

  return usage;
}
