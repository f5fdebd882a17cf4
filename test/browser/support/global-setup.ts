// One gateway for all the browser tests, started by `npm start` (start-gateway.ts).
import type { TestProject } from "vitest/node";
import { startGatewayWithNpmStart } from "./start-gateway.ts";

export default async function setup(project: TestProject) {
  const gateway = await startGatewayWithNpmStart("browser-admin-token");
  project.provide("consoleGatewayUrl", gateway.url);
  project.provide("consoleAdminToken", gateway.adminToken);
  project.provide("consoleStartOutput", gateway.output);
  return () => gateway.stop();
}
