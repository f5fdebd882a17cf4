import type { GatewayError } from "../../errors/gateway-error";
import type { ApiRequest } from "../api-request";
import { inMaintenance } from "../refusals";

/** MAINTENANCE=true answers every API request with 503 (contract section 1). */
export function refuseDuringMaintenance(req: ApiRequest): GatewayError | undefined {
  if (!req.config.maintenance) return undefined;
  req.decision = "maintenance";
  return inMaintenance();
}
