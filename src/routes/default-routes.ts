import document from "gateway:routes";
import type { GatewayConfig } from "../config/config";
import { compileRoutes } from "./compile-routes";
import type { RouteTable } from "./route-table";

/**
 * The route document the Worker is built with: the submissions API of GATEWAY.md section 6
 * unless the build points `gateway:routes` elsewhere (README.md, Routes and limits).
 */
export const DEFAULT_ROUTES = document;

/** The compiled table of a document under one configuration (its policy), built once. */
export function routesFor(documentOf: unknown): (config: GatewayConfig) => RouteTable {
  const compiled = new WeakMap<GatewayConfig, RouteTable>();
  return (config) => {
    let table = compiled.get(config);
    if (table === undefined) {
      table = compileRoutes(documentOf, config.policy);
      compiled.set(config, table);
    }
    return table;
  };
}
