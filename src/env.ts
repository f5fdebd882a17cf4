import type { AdmissionTicket, IdempotencyClaim, LimitSnapshot, Scope } from "./account/types";
import type { GatewayConfig, GatewayVars } from "./config/config";
import type { RouteMatch } from "./routes/route-table";

/** Bindings from wrangler.toml (generated `Env`) plus the variables of contract section 1. */
export type Bindings = Env & GatewayVars;

/** Who is calling, as established by authentication. */
export interface Identity {
  accountId: string;
  keyId: string;
  keyDigest: string;
  scopes: Scope[];
  tier: string;
}

/** The per-request log line of contract section 7, filled in as the request goes. */
export interface LogFields {
  decision: string;
  code: string | null;
  accountId: string | null;
  keyId: string | null;
  originMs: number | null;
  /** Internal detail for operators; never rendered on the wire. */
  reason: string | null;
}

export interface Variables {
  requestId: string;
  config: GatewayConfig;
  log: LogFields;
  route: RouteMatch;
  identity: Identity;
  /** The request body, when a route needed it buffered (validation, fingerprint). */
  body: Uint8Array | null;
  /** The request's Idempotency-Key and fingerprint, when it carries one. */
  idempotency: IdempotencyClaim | null;
  /** Latest limiter state for the RateLimit headers. */
  limits: LimitSnapshot | null;
  ticket: AdmissionTicket | null;
  /** Whether the answer may show a held submission finished (see AdmissionResult). */
  watchSubmission: boolean;
  /** This request is the one probe let through after the origin asked for a pause. */
  breakerProbe: boolean;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
