import { adminPaths } from "./admin-paths";
import { adminSchemas } from "./admin-schemas";
import { errorResponses, errorSchemas, headerComponents } from "./error-components";
import { operation } from "./operations";
import { object, type Schema } from "./schema";

function build(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Edge API gateway",
      version: "0.1.0",
      description:
        "The gateway's own endpoints: health, this document and the admin API. Every error is " +
        "the envelope `Error`; its `code` is one of the platform's catalogue.",
    },
    paths: {
      "/_gateway/health": {
        get: operation({
          id: "health",
          summary: "The gateway answers",
          ok: { status: 200, schema: object({ status: { const: "ok" } }), description: "Up" },
        }),
      },
      "/_gateway/openapi.json": {
        get: operation({
          id: "openapiDocument",
          summary: "This document",
          ok: {
            status: 200,
            description: "OpenAPI 3.1",
            schema: {
              type: "object",
              required: ["openapi", "info", "paths", "components"],
              properties: {
                openapi: { type: "string", pattern: "^3\\.1\\.\\d+$" },
                info: { type: "object" },
                paths: { type: "object" },
                components: { type: "object" },
              },
            },
          },
        }),
      },
      ...adminPaths(),
    },
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "ADMIN_TOKEN (the bootstrap credential, every scope) or an admin credential's " +
            "secret. GET needs admin:read, every other method admin:write. With ADMIN_TOKEN " +
            "unset the admin API answers 404.",
        },
      },
      schemas: { ...errorSchemas(), ...adminSchemas() } satisfies Record<string, Schema>,
      responses: errorResponses(),
      headers: headerComponents(),
    },
  };
}

let built: Record<string, unknown> | undefined;

/**
 * The gateway's own API described as OpenAPI 3.1 (contract section 11): health, the admin API,
 * the error envelope and every error code as components. Served at GET /_gateway/openapi.json;
 * built once per isolate (it depends on no configuration), frozen since every request shares it.
 */
export function gatewayDocument(): Record<string, unknown> {
  built ??= deepFreeze(build());
  return built;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
