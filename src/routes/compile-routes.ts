import { Validator } from "@cfworker/json-schema";
import { ConfigError } from "../config/config-error";
import type { Policy } from "../config/policy";
import { escapePointer, parsePointer } from "./json-pointer";
import type { JobRole, Operation, QueryParameter, TierCap } from "./operation";
import { RouteTable, type Template } from "./route-table";

/** Where a bad route document is reported from (`routes#/paths/...`). */
const SOURCE = "routes";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["POST", "PATCH", "DELETE"]);
const X_GATEWAY_FIELDS = [
  "scope",
  "cost",
  "body_limit_bytes",
  "idempotency",
  "daily_quota",
  "job",
  "tier_caps",
];
const MAX_BODY_LIMIT = 8 * 1024 * 1024;
const MAX_REF_DEPTH = 32;
/** Query schema keywords checked without the validator (compileQueryParameter). */
const BOUND_KEYWORDS: ReadonlySet<string> = new Set([
  "type",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "description",
  "title",
  "default",
  "examples",
]);

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(pointer: string, problem: string): never {
  throw new ConfigError(`${SOURCE}#${pointer}`, problem);
}

/**
 * Compiles an OpenAPI 3.1 document into the gateway's route table (README.md, Routes and
 * limits). Every `x-gateway` value is checked, against the policy too (a tier cap must name a
 * field every tier sets); anything it cannot honour stops the Worker at start with the JSON
 * pointer of the offending value. Schemas are compiled once, here, with a validator that needs
 * no `eval` (@cfworker/json-schema).
 */
export function compileRoutes(document: unknown, policy: Policy): RouteTable {
  if (!isRecord(document)) fail("", "must be an OpenAPI document (a JSON object)");
  if (typeof document.openapi !== "string" || !/^3\.1\.\d+$/.test(document.openapi)) {
    fail("/openapi", "must be an OpenAPI 3.1 version (3.1.x)");
  }
  const scopes = declaredScopes(document);
  if (!isRecord(document.paths)) fail("/paths", "must be an object of paths");
  const templates: Template[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const at = `/paths/${escapePointer(path)}`;
    if (!path.startsWith("/")) fail(at, "a path must start with /");
    if (path.toLowerCase().split("/")[1] === "_gateway") {
      fail(at, "/_gateway paths belong to the gateway itself");
    }
    if (!isRecord(item)) fail(at, "must be a path item object");
    const segments = path.split("/").filter((segment) => segment !== "");
    const params = segments.map((segment) => /^\{([^{}/]+)\}$/.exec(segment)?.[1] ?? null);
    segments.forEach((segment, i) => {
      if (params[i] === null && /[{}]/.test(segment)) {
        fail(at, `segment ${segment} mixes a parameter with text`);
      }
    });
    const operations = new Map<string, Operation>();
    const shared = parametersOf(item.parameters, `${at}/parameters`, document);
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const opAt = `${at}/${method}`;
      if (!isRecord(operation)) fail(opAt, "must be an operation object");
      operations.set(
        method.toUpperCase(),
        compileOperation(operation, {
          method: method.toUpperCase(),
          path,
          at: opAt,
          document,
          policy,
          scopes,
          pathParams: new Set(params.filter((name): name is string => name !== null)),
          shared,
        }),
      );
    }
    templates.push({ template: path, segments, params, operations });
  }
  return new RouteTable(templates, scopes);
}

function declaredScopes(document: Json): string[] {
  const extension = document["x-gateway"];
  if (extension === undefined) return [];
  if (!isRecord(extension)) fail("/x-gateway", "must be an object");
  for (const field of Object.keys(extension)) {
    if (field !== "scopes") fail(`/x-gateway/${escapePointer(field)}`, "is not a known field");
  }
  const scopes = extension.scopes ?? [];
  if (
    !Array.isArray(scopes) ||
    !scopes.every((s) => typeof s === "string" && /^\S{1,64}$/.test(s))
  ) {
    fail("/x-gateway/scopes", "must be a list of scope names (1 to 64 characters, no spaces)");
  }
  return [...new Set(scopes as string[])];
}

interface OperationContext {
  method: string;
  path: string;
  at: string;
  document: Json;
  policy: Policy;
  scopes: readonly string[];
  pathParams: ReadonlySet<string>;
  shared: Json[];
}

function compileOperation(operation: Json, ctx: OperationContext): Operation {
  const { at, method } = ctx;
  const extension = operation["x-gateway"] ?? {};
  const xAt = `${at}/x-gateway`;
  if (!isRecord(extension)) fail(xAt, "must be an object");
  for (const field of Object.keys(extension)) {
    if (!X_GATEWAY_FIELDS.includes(field))
      fail(`${xAt}/${escapePointer(field)}`, "is not a known field");
  }

  const scope = extension.scope ?? null;
  if (scope !== null && (typeof scope !== "string" || !ctx.scopes.includes(scope))) {
    fail(
      `${xAt}/scope`,
      `must be null or a scope the document declares (${ctx.scopes.join(", ") || "none"})`,
    );
  }
  const cost = extension.cost ?? 1;
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost < 1) {
    fail(`${xAt}/cost`, "must be a positive integer (units of the per-minute rate)");
  }
  const bodyLimit = extension.body_limit_bytes ?? null;
  if (
    bodyLimit !== null &&
    (typeof bodyLimit !== "number" ||
      !Number.isSafeInteger(bodyLimit) ||
      bodyLimit < 1 ||
      bodyLimit > MAX_BODY_LIMIT)
  ) {
    fail(`${xAt}/body_limit_bytes`, `must be an integer from 1 to ${MAX_BODY_LIMIT}`);
  }
  const idempotency = extension.idempotency ?? IDEMPOTENT_METHODS.has(method);
  if (typeof idempotency !== "boolean") fail(`${xAt}/idempotency`, "must be true or false");
  if (idempotency && !IDEMPOTENT_METHODS.has(method)) {
    fail(`${xAt}/idempotency`, "Idempotency-Key is processed on POST, PATCH and DELETE only");
  }
  const dailyQuota = extension.daily_quota ?? false;
  if (typeof dailyQuota !== "boolean") fail(`${xAt}/daily_quota`, "must be true or false");
  const job = compileJob(extension.job ?? null, `${xAt}/job`, ctx);
  const tierCaps = compileTierCaps(extension.tier_caps ?? {}, `${xAt}/tier_caps`, ctx.policy);
  const query = parametersOf(operation.parameters, `${at}/parameters`, ctx.document)
    .concat(ctx.shared)
    .filter((parameter) => parameter.in === "query")
    .map((parameter, i) => compileQueryParameter(parameter, `${at}/parameters/${i}`, ctx.document));
  const { body, required: bodyRequired } = compileBody(
    operation.requestBody,
    `${at}/requestBody`,
    ctx.document,
  );

  return {
    id: typeof operation.operationId === "string" ? operation.operationId : `${method} ${ctx.path}`,
    method,
    template: ctx.path,
    scope: scope as string | null,
    cost,
    bodyLimitBytes: bodyLimit as number | null,
    idempotency,
    dailyQuota,
    job,
    tierCaps,
    query,
    body,
    bodyRequired,
    readsBody: body !== null || tierCaps.length > 0,
  };
}

function compileJob(value: unknown, at: string, ctx: OperationContext): JobRole | null {
  if (value === null) return null;
  if (!isRecord(value)) fail(at, "must be an object with a role");
  const param = (): string => {
    const name = value.id_param;
    if (typeof name !== "string" || !ctx.pathParams.has(name)) {
      fail(`${at}/id_param`, `must name a parameter of the path ${ctx.path}`);
    }
    return name;
  };
  const pointer = (field: string): string => {
    const found = value[field];
    if (typeof found !== "string" || parsePointer(found) === null) {
      fail(`${at}/${field}`, "must be a JSON pointer into the answer's body (/id)");
    }
    return found;
  };
  const only = (fields: string[]) => {
    for (const field of Object.keys(value)) {
      if (!fields.includes(field)) fail(`${at}/${escapePointer(field)}`, "is not a known field");
    }
  };
  switch (value.role) {
    case "start":
      only(["role", "id"]);
      if (ctx.method !== "POST") fail(`${at}/role`, "a job starts with a POST");
      return { role: "start", idPointer: pointer("id") };
    case "read": {
      only(["role", "id_param", "status", "terminal"]);
      const terminal = value.terminal;
      if (
        !Array.isArray(terminal) ||
        terminal.length === 0 ||
        !terminal.every((t) => typeof t === "string")
      ) {
        fail(`${at}/terminal`, "must list the status values that end a job");
      }
      if (ctx.method !== "GET") fail(`${at}/role`, "a job is read with a GET");
      return {
        role: "read",
        idParam: param(),
        statusPointer: pointer("status"),
        terminal: new Set(terminal as string[]),
      };
    }
    case "end":
      only(["role", "id_param"]);
      return { role: "end", idParam: param() };
    default:
      return fail(`${at}/role`, 'must be "start", "read" or "end"');
  }
}

function compileTierCaps(value: unknown, at: string, policy: Policy): TierCap[] {
  if (!isRecord(value)) fail(at, "must map body field pointers to tier policy fields");
  const caps: TierCap[] = [];
  for (const [pointer, policyField] of Object.entries(value)) {
    const capAt = `${at}/${escapePointer(pointer)}`;
    const tokens = parsePointer(pointer);
    if (tokens === null || tokens.length === 0)
      fail(capAt, "the key must be a JSON pointer to a body field");
    if (typeof policyField !== "string") fail(capAt, "must name a tier policy field");
    for (const [tier, fields] of Object.entries(policy.tiers)) {
      const cap = (fields as unknown as Record<string, unknown>)[policyField];
      if (typeof cap !== "number")
        fail(capAt, `names ${policyField}, which tier ${tier} does not set`);
    }
    caps.push({ pointer, field: tokens.join("."), tokens, policyField });
  }
  return caps;
}

function parametersOf(value: unknown, at: string, document: Json): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(at, "must be a list of parameters");
  return value.map((parameter, i) => {
    const resolved = resolveRefs(parameter, document, `${at}/${i}`, 0);
    if (
      !isRecord(resolved) ||
      typeof resolved.name !== "string" ||
      typeof resolved.in !== "string"
    ) {
      fail(`${at}/${i}`, "must be a parameter object with a name and an in");
    }
    return resolved;
  });
}

function compileQueryParameter(parameter: Json, at: string, document: Json): QueryParameter {
  const schema = resolveRefs(parameter.schema ?? {}, document, `${at}/schema`, 0);
  if (!isRecord(schema)) fail(`${at}/schema`, "must be a JSON Schema object");
  const declared = schema.type ?? "string";
  if (
    declared !== "string" &&
    declared !== "integer" &&
    declared !== "number" &&
    declared !== "boolean"
  ) {
    fail(`${at}/schema/type`, "a query parameter is a string, integer, number or boolean");
  }
  const bound = (keyword: string): number | null => {
    const value = schema[keyword];
    if (value === undefined) return null;
    if (typeof value !== "number") fail(`${at}/schema/${keyword}`, "must be a number");
    return value;
  };
  const bounds = {
    minimum: bound("minimum"),
    maximum: bound("maximum"),
    minLength: bound("minLength"),
    maxLength: bound("maxLength"),
  };
  // The bounds are checked by the gateway itself (a clear message, no validator run on the
  // hot path); anything else the schema says goes to the validator.
  const onlyBounds = Object.keys(schema).every((keyword) => BOUND_KEYWORDS.has(keyword));
  return {
    name: parameter.name as string,
    type: declared,
    required: parameter.required === true,
    bounds,
    schema: onlyBounds ? null : new Validator(schema as never, "2020-12"),
  };
}

function compileBody(
  value: unknown,
  at: string,
  document: Json,
): { body: Validator | null; required: boolean } {
  if (value === undefined) return { body: null, required: false };
  const body = resolveRefs(value, document, at, 0);
  if (!isRecord(body) || !isRecord(body.content)) fail(at, "must have a content object");
  if (body.required !== undefined && typeof body.required !== "boolean") {
    fail(`${at}/required`, "must be true or false");
  }
  const required = body.required === true;
  const json = body.content["application/json"];
  if (json === undefined) return { body: null, required };
  if (!isRecord(json) || !isRecord(json.schema)) {
    fail(`${at}/content/application~1json/schema`, "must be a JSON Schema object");
  }
  return { body: new Validator(json.schema as never, "2020-12"), required };
}

/** Copies a value with the document's local `$ref`s (`#/components/...`) put in place. */
function resolveRefs(value: unknown, document: Json, at: string, depth: number): unknown {
  if (depth > MAX_REF_DEPTH) fail(at, "$refs nest too deep (a cycle?)");
  if (Array.isArray(value))
    return value.map((item, i) => resolveRefs(item, document, `${at}/${i}`, depth));
  if (!isRecord(value)) return value;
  if (typeof value.$ref === "string") {
    const ref = value.$ref;
    const tokens = ref.startsWith("#") ? parsePointer(ref.slice(1)) : null;
    if (tokens === null) fail(`${at}/$ref`, "only local references (#/...) are supported");
    let target: unknown = document;
    for (const token of tokens)
      target = isRecord(target) || Array.isArray(target) ? (target as Json)[token] : undefined;
    if (target === undefined) fail(`${at}/$ref`, `${ref} names nothing in the document`);
    return resolveRefs(target, document, ref.slice(1), depth + 1);
  }
  const copy: Json = {};
  for (const [key, child] of Object.entries(value)) {
    copy[key] = resolveRefs(child, document, `${at}/${escapePointer(key)}`, depth);
  }
  return copy;
}
