// Drift check: a real answer of the gateway's own API against its OpenAPI document
// (src/openapi, served at /_gateway/openapi.json). `admin()` in accounts.ts runs it on every
// admin call of every suite; an answer the document does not describe fails the test.
import { type OutputUnit, Validator } from "@cfworker/json-schema";
import { gatewayDocument } from "../../../src/openapi/gateway-document";

type Json = Record<string, unknown>;

const ADMIN_PREFIX = "/_gateway/admin/";
const MAX_REF_DEPTH = 32;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Thrown when an answer or a request is not what the document says. */
export class OpenApiDriftError extends Error {
  override name = "OpenApiDriftError";
}

function fail(what: string, problems: string[] = []): never {
  throw new OpenApiDriftError(
    [`the gateway's OpenAPI document does not describe ${what}`, ...problems].join("\n  "),
  );
}

/** A copy of a document value with its local `$ref`s put in place (siblings kept, as allOf). */
export function resolveRefs(
  value: unknown,
  document: Json = gatewayDocument(),
  depth = 0,
): unknown {
  if (depth > MAX_REF_DEPTH) throw new Error("$refs nest too deep (a cycle?)");
  if (Array.isArray(value)) return value.map((item) => resolveRefs(item, document, depth));
  if (!isRecord(value)) return value;
  const { $ref, ...rest } = value;
  const copy: Json = {};
  for (const [key, child] of Object.entries(rest)) copy[key] = resolveRefs(child, document, depth);
  if (typeof $ref !== "string") return copy;
  if (!$ref.startsWith("#/")) throw new Error(`${$ref}: only local references are supported`);
  let target: unknown = document;
  for (const token of $ref.slice(2).split("/")) {
    const name = token.replaceAll("~1", "/").replaceAll("~0", "~");
    target = isRecord(target) ? target[name] : undefined;
  }
  if (target === undefined) throw new Error(`${$ref} names nothing in the document`);
  const resolved = resolveRefs(target, document, depth + 1);
  return Object.keys(copy).length === 0 ? resolved : { allOf: [resolved, copy] };
}

export interface DocumentedOperation {
  /** The path template, e.g. `/_gateway/admin/keys/{id}`. */
  template: string;
  /** The operation object, `$ref`s not resolved. */
  operation: Json;
}

/**
 * The operation a request reaches: the template whose segments match the path's (a `{param}`
 * matches any non-empty segment; more literal segments win), then the method. Query ignored.
 */
export function findOperation(method: string, path: string): DocumentedOperation | null {
  const paths = gatewayDocument().paths;
  if (!isRecord(paths)) return null;
  const segments = path.split("?")[0]?.split("/") ?? [];
  let best: { template: string; item: Json; literal: number } | null = null;
  for (const [template, item] of Object.entries(paths)) {
    const parts = template.split("/");
    if (parts.length !== segments.length || !isRecord(item)) continue;
    let literal = 0;
    const matches = parts.every((part, i) => {
      if (/^\{[^}]+\}$/.test(part)) return segments[i] !== "";
      literal += 1;
      return part === segments[i];
    });
    if (matches && (best === null || literal > best.literal)) best = { template, item, literal };
  }
  const operation = best?.item[method.toLowerCase()];
  return best !== null && isRecord(operation) ? { template: best.template, operation } : null;
}

const validators = new Map<string, Validator>();

/** A validator of a document schema, compiled once per place in the document. */
function validatorFor(key: string, schema: () => unknown): Validator {
  let validator = validators.get(key);
  if (validator === undefined) {
    validator = new Validator(resolveRefs(schema()) as never, "2020-12", false);
    validators.set(key, validator);
  }
  return validator;
}

/** The most specific failures first: where in the value, and what. */
function describe(errors: OutputUnit[]): string[] {
  const seen = new Set<string>();
  return [...errors]
    .sort((a, b) => b.instanceLocation.length - a.instanceLocation.length)
    .map((e) => `${e.instanceLocation || "#"}: ${e.error} (${e.keywordLocation})`)
    .filter((line) => !seen.has(line) && seen.add(line))
    .slice(0, 12);
}

function validate(what: string, validator: Validator, value: unknown): void {
  const result = validator.validate(value);
  if (!result.valid) fail(what, describe(result.errors));
}

function jsonSchemaOf(content: unknown, what: string): unknown {
  const json = isRecord(content) ? content["application/json"] : undefined;
  if (!isRecord(json) || json.schema === undefined) fail(`${what} as JSON`);
  return json.schema;
}

/**
 * Checks one answer: method, request path (`/_gateway/admin/keys/key_abc?x=1`), status and the
 * parsed JSON body (null when the body was not JSON). Throws OpenApiDriftError listing every
 * failure when the path, the method or the status is not in the document, or the body does not
 * validate against the response's schema. Any admin path may answer the 404 `not_found`
 * envelope: the admin API hides itself that way, and endpoints still being built answer it.
 */
export function checkAnswer(method: string, path: string, status: number, body: unknown): void {
  const call = `${method} ${path.split("?")[0]} → ${status}`;
  const found = findOperation(method, path);
  if (found === null) {
    if (!path.startsWith(ADMIN_PREFIX) || status !== 404) fail(call);
    const validator = validatorFor("404", () => {
      const responses = gatewayDocument().components as { responses: Json };
      return jsonSchemaOf((responses.responses.Error404 as Json).content, "Error404");
    });
    validate(`${call}'s body`, validator, body);
    return;
  }
  const responses = found.operation.responses;
  const response = isRecord(responses) ? responses[String(status)] : undefined;
  if (response === undefined) fail(`${method} ${found.template} answering ${status}`);
  const key = `${method} ${found.template} ${status}`;
  const validator = validatorFor(key, () =>
    jsonSchemaOf((resolveRefs(response) as Json).content, `${key}'s body`),
  );
  if (body === null) fail(`${call}: the answer is not JSON`);
  validate(`${call}'s body (${key})`, validator, body);
}

/**
 * Checks a request body the gateway accepted (a 2xx answer) against the operation's
 * requestBody: a body the document refuses, or a required one missing, means the document is
 * stricter than the gateway. `sent` is the body's text, undefined (or empty) when none was sent.
 */
export function checkAcceptedBody(method: string, path: string, sent: string | undefined): void {
  const found = findOperation(method, path);
  if (found === null) fail(`${method} ${path.split("?")[0]}`);
  const requestBody = found.operation.requestBody;
  const key = `${method} ${found.template} request`;
  // The admin API reads an empty body as none.
  const none = sent === undefined || sent.trim() === "";
  if (!isRecord(requestBody)) {
    if (!none) fail(`a request body for ${key}`);
    return;
  }
  if (none) {
    if (requestBody.required === true) fail(`${key} without its required body`);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(sent);
  } catch {
    fail(`${key}: an accepted body that is not JSON`);
  }
  const validator = validatorFor(key, () => jsonSchemaOf(requestBody.content, key));
  validate(`the accepted body of ${method} ${path.split("?")[0]} (${key})`, validator, body);
}
