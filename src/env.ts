import type { GatewayConfig, GatewayVars } from "./config/config";
import type { AdminScope } from "./directory/credential-store";
import type { ExitContext } from "./exit/exit";
import type { RouteTable } from "./routes/route-table";

/** Bindings from wrangler.toml (generated `Env`) plus the variables of contract section 1. */
export type Bindings = Env & GatewayVars;

/** The Hono environment of the gateway's own routes (`/_gateway/...`). */
export interface GatewayRoutesEnv {
  Bindings: Bindings;
  Variables: {
    config: GatewayConfig;
    /** The compiled route document (its scopes are the only ones a key may hold). */
    routes: RouteTable;
    /** This request as the one exit sees it (log line, request id). */
    call: ExitContext;
    /** The error handler already answered through the exit. */
    exited: boolean;
    /** Who is calling the admin API (set by admin-auth.ts): "bootstrap" or a credential id. */
    actor: { id: string; scopes: readonly AdminScope[] };
  };
}
