import type { GatewayError } from "../../errors/gateway-error";
import type { ApiRequest } from "../api-request";
import { scopeRequired } from "../refusals";

/** Step 3: the route's scope, from the edge copy of the key (re-checked on admission). */
export function authorizeScope(req: ApiRequest): GatewayError | undefined {
  const required = req.operation?.scope ?? null;
  const caller = req.caller;
  if (required === null || caller === null || caller.scopes.includes(required)) return undefined;
  return scopeRequired(required);
}
