import { createMiddleware } from "hono/factory";
import type { Scope } from "../account/types";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";

function scopeRequired(scope: Scope): GatewayError {
  return new GatewayError("scope_required", {
    message: `This endpoint requires the ${scope} scope.`,
    details: { required_scope: scope },
  });
}

/** The refusal when the key lacks the route's scope (null: any valid key will do). */
export function scopeRefusal(
  required: Scope | null,
  scopes: readonly Scope[],
): GatewayError | null {
  return required !== null && !scopes.includes(required) ? scopeRequired(required) : null;
}

/** Step 3: the route's scope, from the edge copy of the key (re-checked on admission). */
export function authorizeScope() {
  return createMiddleware<AppEnv>(async function authorizeScopeMiddleware(c, next) {
    const refusal = scopeRefusal(c.get("route").scope, c.get("identity").scopes);
    if (refusal !== null) throw refusal;
    await next();
  });
}
