import type { Clock } from "../../clock";
import type { GatewayConfig } from "../../config/config";
import type { GatewayError } from "../../errors/gateway-error";
import type { IsolateMemory } from "../../isolate/isolate-memory";
import type { RouteTable } from "../../routes/route-table";
import type { ApiRequest } from "../api-request";

/** What the pipeline's steps share: the clock, what the isolate remembers, the route table. */
export interface PipelineDeps {
  clock: Clock;
  memory: IsolateMemory;
  /** The compiled route document under a configuration (built once per configuration). */
  routes: (config: GatewayConfig) => RouteTable;
}

/**
 * One step of the API path: undefined to go on, a refusal to stop, or the answer itself (a
 * replay, the origin's). A step returns a promise only when it really waits on I/O, so the
 * pipeline stays synchronous up to its first real I/O.
 */
export type StepVerdict = GatewayError | Response | undefined;
export type Step = (req: ApiRequest, deps: PipelineDeps) => StepVerdict | Promise<StepVerdict>;
