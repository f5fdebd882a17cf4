// The route document is checked at start (contract section 10): anything the gateway cannot
// honour stops compilation with a ConfigError naming the JSON pointer of the offending value;
// the default document compiles to the submissions API of section 6.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error";
import { DEFAULT_POLICY } from "../../../src/config/policy";
import { compileRoutes } from "../../../src/routes/compile-routes";
import { DEFAULT_ROUTES } from "../../../src/routes/default-routes";

// biome-ignore lint/suspicious/noExplicitAny: documents are edited freely in these tests.
type Doc = any;

/** A small valid document; each case below breaks one thing in a fresh copy. */
function valid(): Doc {
  return {
    openapi: "3.1.0",
    info: { title: "Orders", version: "1" },
    "x-gateway": { scopes: ["orders:read", "orders:write"] },
    paths: {
      "/v1/orders": {
        post: {
          "x-gateway": {
            scope: "orders:write",
            cost: 2,
            job: { role: "start", id: "/id" },
            tier_caps: { "/items": "max_num_genes" },
          },
          requestBody: {
            content: { "application/json": { schema: { $ref: "#/components/schemas/Order" } } },
          },
          responses: {},
        },
        get: { "x-gateway": { scope: "orders:read" }, responses: {} },
      },
      "/v1/orders/{id}": {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        delete: {
          "x-gateway": { scope: "orders:write", job: { role: "end", id_param: "id" } },
          responses: {},
        },
      },
    },
    components: { schemas: { Order: { type: "object" } } },
  };
}

function compileError(doc: Doc, policy = DEFAULT_POLICY): ConfigError {
  try {
    compileRoutes(doc, policy);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("the document compiled");
}

const POST = "routes#/paths/~1v1~1orders/post";

describe("compileRoutes", () => {
  it("compiles the valid base document", () => {
    const table = compileRoutes(valid(), DEFAULT_POLICY);
    const op = table.match("POST", "/v1/orders").operation;
    expect(op?.cost).toBe(2);
    expect(op?.scope).toBe("orders:write");
    expect(table.scopes).toEqual(["orders:read", "orders:write"]);
  });

  const cases: [string, (doc: Doc) => void, string][] = [
    ["a version other than 3.1", (d) => (d.openapi = "3.0.3"), "routes#/openapi"],
    [
      "an unknown x-gateway field",
      (d) => (d.paths["/v1/orders"].post["x-gateway"].rate = 5),
      `${POST}/x-gateway/rate`,
    ],
    ["cost 0", (d) => (d.paths["/v1/orders"].post["x-gateway"].cost = 0), `${POST}/x-gateway/cost`],
    [
      "a scope the document does not declare",
      (d) => (d.paths["/v1/orders"].post["x-gateway"].scope = "orders:admin"),
      `${POST}/x-gateway/scope`,
    ],
    [
      "a job start on a GET",
      (d) => (d.paths["/v1/orders"].get["x-gateway"].job = { role: "start", id: "/id" }),
      "routes#/paths/~1v1~1orders/get/x-gateway/job/role",
    ],
    [
      "a tier cap naming a field tiers do not set",
      (d) => (d.paths["/v1/orders"].post["x-gateway"].tier_caps = { "/items": "max_items" }),
      `${POST}/x-gateway/tier_caps/~1items`,
    ],
    [
      "a $ref to nothing",
      (d) => (d.components.schemas = {}),
      `${POST}/requestBody/content/application~1json/schema/$ref`,
    ],
    [
      "an id_param that is not a path parameter",
      (d) => (d.paths["/v1/orders/{id}"].delete["x-gateway"].job.id_param = "order"),
      "routes#/paths/~1v1~1orders~1{id}/delete/x-gateway/job/id_param",
    ],
    [
      "an unknown document-level x-gateway field",
      (d) => (d["x-gateway"].tiers = {}),
      "routes#/x-gateway/tiers",
    ],
  ];

  for (const [name, breakIt, pointer] of cases) {
    it(`stops on ${name}, naming ${pointer}`, () => {
      const doc = valid();
      breakIt(doc);
      const err = compileError(doc);
      expect(err.field).toBe(pointer);
      expect(err.message.startsWith(`${pointer}: `)).toBe(true);
    });
  }

  it("compiles the default document to the submissions API of section 6", () => {
    const table = compileRoutes(DEFAULT_ROUTES, DEFAULT_POLICY);
    expect([...table.scopes].sort()).toEqual(["submissions:read", "submissions:write"]);
    const create = table.match("POST", "/v1/submissions").operation;
    expect(create).not.toBeNull();
    expect(create?.scope).toBe("submissions:write");
    expect(create?.idempotency).toBe(true);
    expect(create?.dailyQuota).toBe(true);
    expect(create?.cost).toBe(1);
    expect(create?.job).toEqual({ role: "start", idPointer: "/id" });
    expect(create?.tierCaps.map((cap) => [cap.pointer, cap.policyField])).toEqual([
      ["/num_generations", "max_num_generations"],
      ["/num_genes", "max_num_genes"],
    ]);
    const list = table.match("GET", "/v1/submissions").operation;
    expect(list?.scope).toBe("submissions:read");
    expect(list?.query.map((q) => q.name)).toEqual(["limit", "cursor"]);
    const read = table.match("GET", "/v1/submissions/s-1");
    expect(read.operation?.job?.role).toBe("read");
    expect(read.jobId).toBe("s-1");
    const cancel = table.match("POST", "/v1/submissions/s-1/cancel");
    expect(cancel.operation?.job).toEqual({ role: "end", idParam: "id" });
    expect(table.match("GET", "/v1/elsewhere").operation).toBeNull();
  });
});
