import { GatewayError } from "../../errors/gateway-error";
import type { ApiRequest } from "../api-request";

/**
 * Any spelling of a `/_gateway` path other than the literal one (which the gateway's own routes
 * answer): `/%5Fgateway`, `/_GATEWAY`, `/_gateway%2Fadmin`... is 404, never proxied.
 */
export function refuseGatewayPathSpellings(req: ApiRequest): GatewayError | undefined {
  // Only a path with an escape or the word in it can spell one; the route is matched only then.
  const path = req.rawPath;
  if (!path.includes("%") && !path.toLowerCase().includes("gateway")) return undefined;
  if (!req.route.gatewayOwned) return undefined;
  req.decision = "gateway";
  return new GatewayError("not_found", { message: "No such gateway endpoint." });
}
