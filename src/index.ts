import { env } from "cloudflare:workers";
import { configFor } from "./config/config";
import type { Bindings } from "./env";
import { createGateway } from "./gateway";
import { compileRoutes } from "./routes/compile-routes";
import { DEFAULT_ROUTES } from "./routes/default-routes";

export { AccountCoordinator } from "./account/account-object";
export { AdminDirectory } from "./directory/directory-object";

// Validated when the Worker starts: a bad variable, GATEWAY_POLICY or route document stops
// `wrangler dev` and `wrangler deploy` with an error naming the field or JSON pointer, instead
// of failing every request.
compileRoutes(DEFAULT_ROUTES, configFor(env as Bindings).policy);

const gateway = createGateway();

export default {
  fetch: (request, env, ctx) => gateway.fetch(request, env as Bindings, ctx),
} satisfies ExportedHandler<Env>;
