// What test/browser/support/global-setup.ts hands the browser tests (`inject(...)`).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The gateway `npm start` runs, e.g. http://127.0.0.1:41234. */
    consoleGatewayUrl: string;
    /** The bootstrap credential (ADMIN_TOKEN) it was started with. */
    consoleAdminToken: string;
    /** Everything `npm start` printed up to and including its ready banner. */
    consoleStartOutput: string;
  }
}
