import { env } from "cloudflare:workers";
import { configFor } from "./config/config";
import type { Bindings } from "./env";
import { createGateway } from "./gateway";

export { AccountCoordinator } from "./account/account-object";

// Validated when the Worker starts: a bad variable or GATEWAY_POLICY stops `wrangler dev` and
// `wrangler deploy` with an error naming the field, instead of failing every request.
configFor(env as Bindings);

const gateway = createGateway();

export default {
  fetch: (request, env, ctx) => gateway.fetch(request, env as Bindings, ctx),
} satisfies ExportedHandler<Env>;
