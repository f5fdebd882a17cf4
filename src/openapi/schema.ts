/**
 * JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) built from a few helpers, so each shape of
 * the document reads as one line and views stay strict: every field required, nothing else.
 */
export type Schema = { readonly [keyword: string]: unknown };

/** A schema of `components.schemas`. */
export function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

/** The schema, or null: a type array where the schema has a type, else `anyOf`. */
export function nullable(schema: Schema): Schema {
  const type = schema.type;
  if (typeof type === "string") return { ...schema, type: [type, "null"] };
  if (Array.isArray(type)) return { ...schema, type: [...type, "null"] };
  return { anyOf: [schema, { type: "null" }] };
}

/**
 * An object with exactly these fields: `required` must be present, `optional` may be; any
 * other field is an error (`additionalProperties: false`).
 */
export function object(required: Record<string, Schema>, optional: Record<string, Schema> = {}) {
  const names = Object.keys(required);
  return {
    type: "object",
    ...(names.length === 0 ? {} : { required: names }),
    properties: { ...required, ...optional },
    additionalProperties: false,
  } satisfies Schema;
}

export function listOf(items: Schema): Schema {
  return { type: "array", items };
}

/** `{"data": [...]}`, the admin API's list answer. */
export function dataOf(items: Schema, more: Record<string, Schema> = {}): Schema {
  return object({ data: listOf(items), ...more });
}

export function oneOf(values: readonly string[]): Schema {
  return { type: "string", enum: [...values] };
}

/** An RFC 3339 timestamp; the gateway writes them in UTC (`2026-12-02T10:00:00.000Z`). */
export const dateTime: Schema = { type: "string", format: "date-time" };
export const text: Schema = { type: "string" };
export const flag: Schema = { type: "boolean" };
/** A count: a non-negative integer. */
export const count: Schema = { type: "integer", minimum: 0 };

export function integer(minimum: number, maximum = Number.MAX_SAFE_INTEGER): Schema {
  return { type: "integer", minimum, maximum };
}
