import type { AdmissionTicket, IdempotencyClaim, LimitSnapshot } from "../account/contract";
import type { GatewayConfig } from "../config/config";
import type { Bindings } from "../env";
import type { ExitContext } from "../exit/exit";
import { requestIdFor } from "../http/request-id";
import type { Identity } from "../model/records";
import type { Operation } from "../routes/operation";
import type { RouteMatch, RouteTable } from "../routes/route-table";

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["POST", "PATCH", "DELETE"]);

/**
 * One API request on its way through the pipeline: a plain object, built once, that each step
 * reads and fills in. Nothing else carries per-request state. A class only so its route can be
 * matched when a step first needs it (a refusal before that, as most 401s are, never pays for
 * it) without making each request object a slow one.
 */
export class ApiRequest implements ExitContext {
  readonly method: string;
  readonly requestId: string;
  private matched: RouteMatch | null = null;

  /**
   * Who is calling: from the key's edge copy once looked up (kept when unusable, for the log
   * line), then as the account's object established it on admission.
   */
  caller: Identity | null = null;
  /** The key passed the edge checks: its answers carry the RateLimit headers. */
  usable = false;
  /** The request body, when a step needed it buffered (validation, fingerprint, chunked). */
  body: Uint8Array | null = null;
  /** Client header names that must not reach the origin (found by the header scan). */
  withheld: string[] = [];
  /** The parsed Idempotency-Key of a processed method (POST, PATCH, DELETE). */
  idempotencyKey: string | null = null;
  /** That key with the request's fingerprint, once computed. */
  idempotency: IdempotencyClaim | null = null;
  limits: LimitSnapshot | null = null;
  ticket: AdmissionTicket | null = null;
  watchSubmission = false;
  /** This request is the one probe let through after the origin asked for a pause. */
  probe = false;
  /** The account's object answered this request's admission, and so counted it (section 11). */
  countedByObject = false;
  /** It went to the origin (whatever came back). */
  forwarded = false;
  decision = "";
  reason: string | null = null;
  originMs: number | null = null;

  constructor(
    readonly request: Request,
    /** The path exactly as sent (no decoding). */
    readonly rawPath: string,
    readonly env: Bindings,
    readonly ctx: ExecutionContext,
    readonly config: GatewayConfig,
    private readonly routes: RouteTable,
    readonly started: number,
  ) {
    this.method = request.method;
    this.requestId = requestIdFor(request.headers.get("X-Request-Id"));
  }

  get route(): RouteMatch {
    if (this.matched === null) {
      const url = this.request.url;
      const query = url.indexOf("?");
      this.matched = this.routes.match(
        this.method,
        this.rawPath,
        query === -1 ? "" : url.slice(query),
      );
    }
    return this.matched;
  }

  /** The route document's operation for this request (null: any valid key, cost 1). */
  get operation(): Operation | null {
    return this.route.operation;
  }

  /** Units of the per-minute window this request costs. */
  get cost(): number {
    return this.route.operation?.cost ?? 1;
  }

  /** It starts a job, and so takes an in-flight slot. */
  get startsJob(): boolean {
    return this.route.operation?.job?.role === "start";
  }

  /** It takes a unit of the daily quota. */
  get takesDailyQuota(): boolean {
    return this.route.operation?.dailyQuota ?? false;
  }

  /** Its Idempotency-Key is processed (the document says; unnamed routes: POST, PATCH, DELETE). */
  get processesIdempotency(): boolean {
    const operation = this.route.operation;
    return operation === null ? IDEMPOTENT_METHODS.has(this.method) : operation.idempotency;
  }
}
