import { errorResponse, header } from "./error-components";
import { ref, type Schema } from "./schema";

/** An operation in a few fields; `operation` writes it out as OpenAPI. */
export interface OperationSpec {
  id: string;
  summary: string;
  /** The scope an admin credential needs (`ADMIN_TOKEN` has all); none: no credential at all. */
  scope?: "admin:read" | "admin:write";
  /** Query parameters by name. */
  query?: Record<string, { schema: Schema; required?: boolean; description?: string }>;
  /** The body's schema (a `components.schemas` name); `optional`: an empty body is `{}`. */
  body?: { schema: string; optional?: boolean };
  ok: { status: 200 | 201; schema: Schema; description: string };
  /** Error statuses beyond the ones every admin operation has. */
  errors?: number[];
}

/**
 * Any admin call: no or a bad credential, a lacking scope, no such resource (or no admin API),
 * and 503 when the admin directory (credentials) cannot be reached.
 */
const ADMIN_ERRORS = [401, 403, 404, 500, 503];

function json(schema: Schema): Schema {
  return { "application/json": { schema } };
}

export function operation(spec: OperationSpec): Schema {
  const errors = new Set(spec.scope === undefined ? [] : ADMIN_ERRORS);
  for (const status of spec.errors ?? []) errors.add(status);
  if (spec.body !== undefined) errors.add(400).add(413);
  if (spec.query !== undefined) errors.add(400);
  const responses: Record<string, Schema> = {
    [spec.ok.status]: {
      description: spec.ok.description,
      headers: { "X-Request-Id": header("X-Request-Id") },
      content: json(spec.ok.schema),
    },
  };
  for (const status of [...errors].sort((a, b) => a - b)) responses[status] = errorResponse(status);
  return {
    operationId: spec.id,
    summary: spec.summary,
    security: spec.scope === undefined ? [] : [{ bearer: [spec.scope] }],
    ...(spec.query === undefined
      ? {}
      : {
          parameters: Object.entries(spec.query).map(([name, param]) => ({
            name,
            in: "query",
            required: param.required ?? false,
            ...(param.description === undefined ? {} : { description: param.description }),
            schema: param.schema,
          })),
        }),
    ...(spec.body === undefined
      ? {}
      : {
          requestBody: {
            required: spec.body.optional !== true,
            content: json(ref(spec.body.schema)),
          },
        }),
    responses,
  };
}

/** A path item: its path parameters (every `{name}` of the template) and its operations. */
export function pathItem(
  template: string,
  params: Record<string, Schema>,
  operations: Record<string, Schema>,
): Schema {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  for (const name of names) {
    if (params[name] === undefined) throw new Error(`${template}: no schema for {${name}}`);
  }
  return {
    ...(names.length === 0
      ? {}
      : {
          parameters: names.map((name) => ({
            name,
            in: "path",
            required: true,
            schema: params[name],
          })),
        }),
    ...operations,
  };
}
