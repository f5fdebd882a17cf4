import type { AdmissionTicket, IdempotencyClaim, LimitSnapshot } from "../account/contract";
import type { GatewayConfig } from "../config/config";
import type { Bindings } from "../env";
import type { ExitContext } from "../exit/exit";
import type { Identity } from "../model/records";
import type { RouteMatch } from "../routes/route-table";

/**
 * One API request on its way through the pipeline: a plain object, built once, that each step
 * reads and fills in. Nothing else carries per-request state.
 */
export interface ApiRequest extends ExitContext {
  readonly request: Request;
  readonly env: Bindings;
  readonly ctx: ExecutionContext;
  readonly config: GatewayConfig;
  readonly route: RouteMatch;

  /**
   * Who is calling: from the key's edge copy once looked up (kept when unusable, for the log
   * line), then as the account's object established it on admission.
   */
  caller: Identity | null;
  /** The key passed the edge checks: its answers carry the RateLimit headers. */
  usable: boolean;
  /** The request body, when a step needed it buffered (validation, fingerprint, chunked). */
  body: Uint8Array | null;
  /** The parsed Idempotency-Key of a processed method (POST, PATCH, DELETE). */
  idempotencyKey: string | null;
  /** That key with the request's fingerprint, once computed. */
  idempotency: IdempotencyClaim | null;
  limits: LimitSnapshot | null;
  ticket: AdmissionTicket | null;
  watchSubmission: boolean;
  /** This request is the one probe let through after the origin asked for a pause. */
  probe: boolean;
}
