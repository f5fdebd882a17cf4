// Contract section 11: the gateway's own OpenAPI document (src/openapi) is valid OpenAPI 3.1,
// checked with a real validator. In Node, not workerd: @seriousme/openapi-schema-validator reads
// its schemas from disk and compiles them with Ajv's generated code (`new Function`), neither of
// which workerd allows. test/worker/openapi fetches the served document; this is its validity.
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { importWorkerModule } from "../../scripts/worker-source.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the document as plain JSON.
type Json = Record<string, any>;

let document: Json;

beforeAll(async () => {
  const module = await importWorkerModule("openapi/gateway-document.ts");
  document = (module.gatewayDocument as () => Json)();
});

async function openApiErrors(spec: Json): Promise<unknown> {
  const validator = new Validator({ strict: false });
  // A copy: the document is frozen, and the validator may annotate what it reads.
  const result = await validator.validate(structuredClone(spec));
  return result.valid ? null : (result.errors ?? "invalid");
}

const SCHEMA_BASE = "https://gateway.test/components/schemas/";

/** A copy with `#/components/schemas/X` references pointed at the ids given to Ajv. */
function pointRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointRefs);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === "$ref" && typeof child === "string" && child.startsWith("#/components/schemas/")
        ? [key, `${SCHEMA_BASE}${child.slice("#/components/schemas/".length)}`]
        : [key, pointRefs(child)],
    ),
  );
}

/** Every schema an operation, response, parameter or header carries, by where it is. */
function embeddedSchemas(value: unknown, at: string, found: [string, unknown][] = []) {
  if (typeof value !== "object" || value === null) return found;
  for (const [key, child] of Object.entries(value)) {
    if (key === "schema") found.push([`${at}/schema`, child]);
    else embeddedSchemas(child, `${at}/${key}`, found);
  }
  return found;
}

/**
 * The OpenAPI 3.1 schema checks a Schema Object only as "an object or a boolean", so each is
 * compiled too, by Ajv in strict mode (draft 2020-12): unknown keywords, `required` fields
 * missing from `properties`, keywords on the wrong type, bad patterns and dangling refs fail.
 */
function schemaErrors(spec: Json): string[] {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, formats: { "date-time": true } });
  const errors: string[] = [];
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    try {
      ajv.addSchema(pointRefs(schema) as object, `${SCHEMA_BASE}${name}`);
    } catch (error) {
      errors.push(`#/components/schemas/${name}: ${(error as Error).message}`);
    }
  }
  const all: [string, unknown][] = [
    ...Object.keys(spec.components.schemas).map((name): [string, unknown] => [
      `#/components/schemas/${name}`,
      { $ref: `${SCHEMA_BASE}${name}` },
    ]),
    ...embeddedSchemas(spec.paths, "#/paths"),
    ...embeddedSchemas(spec.components.responses, "#/components/responses"),
    ...embeddedSchemas(spec.components.headers, "#/components/headers"),
  ];
  for (const [at, schema] of all) {
    try {
      ajv.compile(pointRefs(schema) as object);
    } catch (error) {
      errors.push(`${at}: ${(error as Error).message}`);
    }
  }
  return errors;
}

describe("the gateway's OpenAPI document", () => {
  it("is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)", async () => {
    const validator = new Validator({ strict: false });
    const result = await validator.validate(structuredClone(document));
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("has schemas that compile as strict JSON Schema 2020-12", () => {
    expect(schemaErrors(document)).toEqual([]);
  });

  it("is refused when broken: the checks are not vacuous", async () => {
    const noDescription = structuredClone(document);
    delete noDescription.paths["/_gateway/health"].get.responses["200"].description;
    expect(await openApiErrors(noDescription)).not.toBeNull();
    const danglingRef = structuredClone(document);
    danglingRef.paths["/_gateway/health"].get.responses["500"] = {
      $ref: "#/components/responses/Nope",
    };
    expect(await openApiErrors(danglingRef)).not.toBeNull();

    const typo = structuredClone(document);
    typo.components.schemas.Key.requried = ["id"];
    expect(schemaErrors(typo).join("\n")).toMatch(/Key.*requried/);
    const missingField = structuredClone(document);
    missingField.components.schemas.Revoked.required.push("revokd_at");
    expect(schemaErrors(missingField).join("\n")).toMatch(/Revoked.*revokd_at/);
    const badType = structuredClone(document);
    badType.components.schemas.Released.properties.released = { type: "bool" };
    expect(schemaErrors(badType).join("\n")).toMatch(/Released/);
  });
});
