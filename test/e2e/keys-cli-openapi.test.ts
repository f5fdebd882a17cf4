// The key CLI (scripts/keys-commands.ts) against the gateway's OpenAPI document (src/openapi):
// every command of its help text builds a request the document describes, path parameters,
// query and JSON body included. A command added without an example here fails the test.
import { Validator } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCli, toRequest, USAGE } from "../../scripts/keys-commands.ts";
import { importWorkerModule } from "../../scripts/worker-source.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the document as plain JSON.
type Json = Record<string, any>;

const ADMIN = "/_gateway/admin";
const KEY = "key_0123456789abcdef";
const CREDENTIAL = "cred_0123456789abcdef";

/** Each command with its arguments and options, every option of the help text used once. */
const EXAMPLES: Record<string, string[][]> = {
  "create-account": [
    ["create-account", "acme"],
    ["create-account", "acme", "--tier", "pro", "--status", "disabled"],
  ],
  account: [["account", "acme"]],
  "account-limits": [
    ["account-limits", "acme", "--per-minute", "120", "--in-flight", "3", "--per-day", "null"],
    ["account-limits", "acme", "--per-day", "5"],
  ],
  tier: [["tier", "acme", "pro"]],
  create: [
    ["create", "acme"],
    ["create", "acme", "--scopes", "submissions:read", "--name", "ci"],
    ["create", "acme", "--expires-at", "2027-01-01T00:00:00Z", "--per-minute", "30"],
  ],
  list: [["list", "acme"]],
  show: [["show", KEY]],
  scopes: [
    ["scopes", KEY, "submissions:read,submissions:write"],
    ["scopes", KEY, ""],
  ],
  "key-limit": [
    ["key-limit", KEY, "10"],
    ["key-limit", KEY, "null"],
  ],
  revoke: [["revoke", KEY]],
  rotate: [
    ["rotate", KEY],
    ["rotate", KEY, "--grace-seconds", "60"],
  ],
  release: [["release", "acme", "sub_1"]],
  accounts: [["accounts"], ["accounts", "--prefix", "ac"]],
  usage: [
    ["usage", "acme"],
    ["usage", "acme", "--granularity", "day", "--key", KEY],
    ["usage", "acme", "--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00.000Z"],
  ],
  rejections: [["rejections", "acme"]],
  audit: [
    ["audit"],
    ["audit", "--account", "acme", "--actor", "bootstrap"],
    [
      "audit",
      "--actor",
      CREDENTIAL,
      "--from",
      "2026-12-01T00:00:00Z",
      "--to",
      "2026-12-02T00:00:00Z",
    ],
  ],
  credentials: [["credentials"]],
  "credential-create": [
    ["credential-create", "ci"],
    ["credential-create", "ops", "--scopes", "admin:read,admin:write"],
  ],
  "credential-revoke": [["credential-revoke", CREDENTIAL]],
};

/** The commands the help text lists (`help` is answered by the CLI itself). */
function commands(): string[] {
  const section = USAGE.split("Commands:")[1]?.split("Options:")[0] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((m) => m[1] as string)
    .filter((name) => name !== "help");
}

let document: Json;

beforeAll(async () => {
  const module = await importWorkerModule("openapi/gateway-document.ts");
  document = (module.gatewayDocument as () => Json)();
});

/**
 * A schema of the document against a value, its `#/components/...` references resolvable. A
 * copy: the validator annotates the schemas it reads, and the document is frozen.
 */
function check(schema: unknown, value: unknown): string[] {
  const root = structuredClone({ allOf: [schema], components: document.components });
  const result = new Validator(root as never, "2020-12", false).validate(value);
  return result.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

interface Documented {
  template: string;
  operation: Json;
  params: Json[];
}

/** The documented operation a method and path reach (a `{param}` is any one segment). */
function operationOf(method: string, path: string): Documented | null {
  const segments = path.split("/");
  for (const [template, item] of Object.entries(document.paths as Json)) {
    const parts = template.split("/");
    const matches =
      parts.length === segments.length &&
      parts.every((part, i) => /^\{.+\}$/.test(part) || part === segments[i]);
    const operation = item[method.toLowerCase()];
    if (!matches || operation === undefined) continue;
    const params = [...(item.parameters ?? []), ...(operation.parameters ?? [])];
    return { template, operation, params };
  }
  return null;
}

/** Everything wrong with one CLI request, as the document sees it. */
function problems(method: string, target: string, body: unknown): string[] {
  const url = new URL(`${ADMIN}${target}`, "http://gateway.test");
  const found = operationOf(method, url.pathname);
  if (found === null) return [`no documented operation ${method} ${url.pathname}`];
  const { template, operation, params } = found;
  const out: string[] = [];
  const segments = url.pathname.split("/");
  template.split("/").forEach((part, i) => {
    const name = /^\{(.+)\}$/.exec(part)?.[1];
    const param = params.find((p) => p.in === "path" && p.name === name);
    if (name === undefined) return;
    const value = decodeURIComponent(segments[i] ?? "");
    out.push(...check(param?.schema ?? false, value).map((e) => `path {${name}} ${e}`));
  });
  for (const [name, value] of url.searchParams) {
    const param = params.find((p) => p.in === "query" && p.name === name);
    if (param === undefined) out.push(`query ${name} is not documented`);
    const typed = param?.schema?.type === "integer" ? Number(value) : value;
    out.push(...check(param?.schema ?? false, typed).map((e) => `query ${name} ${e}`));
  }
  for (const param of params.filter((p) => p.in === "query" && p.required)) {
    if (!url.searchParams.has(param.name)) out.push(`query ${param.name} is required`);
  }
  const requestBody = operation.requestBody;
  if (requestBody === undefined) {
    if (body !== undefined) out.push(`${method} ${template} takes no body`);
  } else if (body === undefined) {
    if (requestBody.required) out.push(`${method} ${template} needs a body`);
  } else {
    const schema = requestBody.content["application/json"].schema;
    out.push(...check(schema, body).map((e) => `body ${e}`));
  }
  return out;
}

function requestOf(argv: string[]): [string, string, unknown?] {
  const { values, positionals } = parseCli(argv);
  return toRequest(positionals, values);
}

describe("npm run keys against the gateway's OpenAPI document", () => {
  it("has an example for every command of its help text", () => {
    const listed = commands();
    expect(listed).toContain("create");
    expect(listed.filter((command) => EXAMPLES[command] === undefined)).toEqual([]);
  });

  it("builds only requests the document describes: method, path, query and body", () => {
    const seen = new Set<string>();
    for (const command of commands()) {
      for (const argv of EXAMPLES[command] ?? []) {
        const [method, target, body] = requestOf(argv);
        expect({ argv, problems: problems(method, target, body) }).toEqual({ argv, problems: [] });
        const operation = operationOf(method, new URL(`${ADMIN}${target}`, "http://x").pathname);
        seen.add(operation?.operation.operationId);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(17);
  });

  it("names the operations the contract gives each command", () => {
    const expected: Record<string, string> = {
      "create-account": "createAccount",
      account: "getAccount",
      "account-limits": "updateAccount",
      tier: "updateAccount",
      create: "createKey",
      list: "listKeys",
      show: "getKey",
      scopes: "updateKey",
      "key-limit": "updateKey",
      revoke: "revokeKey",
      rotate: "rotateKey",
      release: "releaseSubmission",
      accounts: "listAccounts",
      usage: "getAccountUsage",
      rejections: "listAccountRejections",
      audit: "listAudit",
      credentials: "listCredentials",
      "credential-create": "createCredential",
      "credential-revoke": "revokeCredential",
    };
    for (const command of commands()) {
      const [method, target] = requestOf(EXAMPLES[command]?.[0] ?? [command]);
      const found = operationOf(method, new URL(`${ADMIN}${target}`, "http://x").pathname);
      expect({ command, operation: found?.operation.operationId }).toEqual({
        command,
        operation: expected[command],
      });
    }
  });

  it("would notice a request the document does not describe", () => {
    expect(problems("PUT", "/keys", {})).toEqual([
      "no documented operation PUT /_gateway/admin/keys",
    ]);
    expect(problems("POST", "/keys", { account_id: "acme" }).join()).toMatch(/scopes/);
    expect(problems("POST", "/accounts", { id: "acme", colour: "red" }).join()).toMatch(/colour/);
    expect(problems("PATCH", "/keys/not-a-key", { name: "x" }).join()).toMatch(/path \{id\}/);
    expect(problems("GET", "/keys?account=acme", undefined).join()).toMatch(/account is not/);
    expect(problems("GET", "/keys", undefined).join()).toMatch(/account_id is required/);
    expect(problems("PATCH", "/accounts/acme", { limits: { per_minute: 0 } }).join()).toMatch(
      /per_minute/,
    );
  });
});
