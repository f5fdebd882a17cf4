import { createApp } from "./app";

export { AccountCoordinator } from "./account/account-coordinator";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
