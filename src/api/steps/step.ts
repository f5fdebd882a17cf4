import type { Clock } from "../../clock";
import type { GatewayError } from "../../errors/gateway-error";
import type { IsolateMemory } from "../../isolate/isolate-memory";
import type { ApiRequest } from "../api-request";

/** What the pipeline's steps share: the clock and what the isolate remembers. */
export interface PipelineDeps {
  clock: Clock;
  memory: IsolateMemory;
}

/**
 * One step of the API path: undefined to go on, a refusal to stop, or the answer itself (a
 * replay, the origin's). A step returns a promise only when it really waits on I/O, so the
 * pipeline stays synchronous up to its first real I/O.
 */
export type StepVerdict = GatewayError | Response | undefined;
export type Step = (req: ApiRequest, deps: PipelineDeps) => StepVerdict | Promise<StepVerdict>;
