import type { Clock } from "../clock";
import { configFor } from "../config/config";
import type { Bindings } from "../env";
import { renderErrorResponse } from "../errors/envelope";
import { GatewayError } from "../errors/gateway-error";
import { bearerToken } from "../keys/bearer-token";
import { requestIdFor } from "../middleware/request-id";
import { writeRequestLog } from "../observability/request-log";
import { rawPath } from "../routes/raw-path";

/**
 * The cheapest answers, before the router: an API request (not a gateway path in any
 * spelling), outside maintenance, whose Authorization is missing or malformed. These are the
 * same checks in the same order as the full chain (section 5 steps 1–2), with the same envelope,
 * headers and log line, only without the router's cost. Everything else returns null and goes
 * through the full chain.
 */
export function rejectWithoutIo(request: Request, env: Bindings, clock: Clock): Response | null {
  const started = clock.now();
  const path = rawPath(request);
  // Gateway paths (and anything percent-encoded, which might spell one) take the full way.
  if (path.includes("%") || path.toLowerCase().includes("gateway")) return null;
  let prefix: string;
  try {
    const config = configFor(env);
    if (config.maintenance) return null;
    prefix = config.policy.key_prefix;
  } catch {
    return null;
  }
  const token = bearerToken(request.headers.get("Authorization"), prefix);
  if (!(token instanceof GatewayError)) return null;
  const requestId = requestIdFor(request.headers.get("X-Request-Id"));
  const response = renderErrorResponse(token, requestId);
  writeRequestLog(
    requestId,
    request.method,
    path,
    response.status,
    {
      decision: "rejected",
      code: token.code,
      accountId: null,
      keyId: null,
      originMs: null,
      reason: token.internalReason ?? null,
    },
    clock.now() - started,
  );
  return response;
}
