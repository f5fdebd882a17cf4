import { GatewayError } from "../errors/gateway-error";
import type { QueryParameter } from "../routes/operation";

function invalidParameter(field: string, message: string): GatewayError {
  return new GatewayError("invalid_parameter", { message, details: { field } });
}

/** The one value of a query parameter, read as its schema's type; undefined: not of it. */
function coerce(value: string, type: QueryParameter["type"]): unknown {
  switch (type) {
    case "string":
      return value;
    case "integer":
      return /^(0|-?[1-9]\d*)$/.test(value) ? Number(value) : undefined;
    case "number":
      return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(value) ? Number(value) : undefined;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : undefined;
  }
}

/**
 * A request's query against its operation's parameters (the route document's schemas): each
 * given at most once, read as its type, valid by its schema; a required one present. Names the
 * document does not list pass through unchecked. Throws the 400 `invalid_parameter` naming it.
 */
export function validateQuery(search: string, parameters: readonly QueryParameter[]): void {
  if (parameters.length === 0) return;
  const query = new URLSearchParams(search);
  for (const parameter of parameters) {
    const { name } = parameter;
    const values = query.getAll(name);
    if (values.length === 0) {
      if (parameter.required) throw invalidParameter(name, `${name} is required.`);
      continue;
    }
    if (values.length > 1) throw invalidParameter(name, `${name} may be given once.`);
    const value = coerce(values[0] as string, parameter.type);
    if (value === undefined) throw invalidParameter(name, `${name} must be a ${parameter.type}.`);
    const result = parameter.schema.validate(value);
    if (!result.valid) {
      const reason = result.errors[result.errors.length - 1]?.error ?? "is not valid.";
      throw invalidParameter(name, `${name}: ${reason}`);
    }
  }
}
