import { createMiddleware } from "hono/factory";
import type { Scope } from "../account/types";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";

export function scopeRequired(scope: Scope): GatewayError {
  return new GatewayError("scope_required", {
    message: `This endpoint requires the ${scope} scope.`,
    details: { required_scope: scope },
  });
}

/** Step 3: the route's scope, from the edge copy of the key (re-checked on admission). */
export function authorizeScope() {
  return createMiddleware<AppEnv>(async function authorizeScopeMiddleware(c, next) {
    const required = c.var.route.scope;
    if (required !== null && !c.var.identity.scopes.includes(required)) {
      throw scopeRequired(required);
    }
    await next();
  });
}
