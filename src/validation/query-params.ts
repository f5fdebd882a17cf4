import { GatewayError } from "../errors/gateway-error";
import type { QueryBounds, QueryParameter } from "../routes/operation";

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

function boundsRefusal(name: string, value: unknown, bounds: QueryBounds): GatewayError | null {
  if (typeof value === "number") {
    if (bounds.minimum !== null && value < bounds.minimum) {
      return invalidParameter(name, `${name} must be at least ${bounds.minimum}.`);
    }
    if (bounds.maximum !== null && value > bounds.maximum) {
      return invalidParameter(name, `${name} must be at most ${bounds.maximum}.`);
    }
  } else if (typeof value === "string") {
    // JSON Schema counts code points, not UTF-16 units.
    const length = bounds.minLength === null && bounds.maxLength === null ? 0 : [...value].length;
    if (bounds.minLength !== null && length < bounds.minLength) {
      return invalidParameter(name, `${name} must be at least ${bounds.minLength} characters.`);
    }
    if (bounds.maxLength !== null && length > bounds.maxLength) {
      return invalidParameter(name, `${name} must be at most ${bounds.maxLength} characters.`);
    }
  }
  return null;
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
    const outOfBounds = boundsRefusal(name, value, parameter.bounds);
    if (outOfBounds !== null) throw outOfBounds;
    if (parameter.schema === null) continue;
    const result = parameter.schema.validate(value);
    if (!result.valid) {
      const reason = result.errors[result.errors.length - 1]?.error ?? "is not valid.";
      throw invalidParameter(name, `${name}: ${reason}`);
    }
  }
}
