// A corpus of hostile and malformed requests (contract sections 2, 3, 5, 6), one row each with
// the answer it must get. Every gateway error is checked for the exact envelope, a catalogue
// code and X-Request-Id == error.request_id; rows that must not reach the origin check the
// origin's counter for their own X-Test-Tag. Each row runs on a fresh account.
import { describe, expect, it } from "vitest";
import { createAccount, type TestAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import { type GatewayResponse, gateway, originStats, uniqueId } from "../support/gateway";

type Scopes = "read+write" | "read" | "write";

interface Row {
  name: string;
  method?: string;
  path: string;
  /** Which key the row's account gets; `null`: no Authorization header is added. */
  key?: Scopes | null;
  /** Extra headers (pairs, so a name may repeat); given the account's key. */
  headers?: (key: string) => [string, string][];
  body?: () => BodyInit;
  status: number;
  /** The envelope's code; null for an answer that is not an error envelope. */
  code: string | null;
  details?: Record<string, unknown>;
  /** never: the origin must not see it; once: it must, exactly once; echo: not counted. */
  origin: "never" | "once" | "echo";
  check?: (res: GatewayResponse, account: TestAccount) => void;
}

const json = (value: unknown) => () => JSON.stringify(value);
const create = (body: () => BodyInit, extra: Partial<Row> = {}) => ({
  method: "POST",
  path: "/v1/submissions",
  body,
  ...extra,
});
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id was not the one sent: a fresh, well-formed one. */
const replacedId = (sent: string) => (res: GatewayResponse) => {
  expect(res.headers.get("X-Request-Id")).not.toBe(sent);
  expect(res.headers.get("X-Request-Id")).toMatch(ID_PATTERN);
};

/** The identity headers the origin saw are the gateway's, whatever the client sent. */
const identityAtOrigin = (res: GatewayResponse, account: TestAccount) => {
  const seen: Record<string, string> = res.json.headers;
  expect(seen["x-gateway-account-id"]).toBe(account.accountId);
  expect(seen["x-gateway-key-id"]).toBe(account.keyId);
  expect(seen["x-gateway-scopes"]).toBe("submissions:read submissions:write");
  expect(seen["x-gateway-tier"]).toBe("free");
  expect(seen["x-request-id"]).toBe(res.headers.get("X-Request-Id"));
  expect(seen).not.toHaveProperty("authorization");
  expect(seen).not.toHaveProperty("x-gateway-signature");
};

/** A body stream of `total` bytes in 16 KiB chunks, with no Content-Length. */
function chunked(total: number, fill = 0x20): () => ReadableStream<Uint8Array> {
  return () => {
    let left = total;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (left <= 0) {
          controller.close();
          return;
        }
        const size = Math.min(16 * 1024, left);
        left -= size;
        controller.enqueue(new Uint8Array(size).fill(fill));
      },
    });
  };
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const LIMIT_64K = 64 * 1024;
const padTo = (bytes: number) => json({ name: "x".repeat(bytes - '{"name":""}'.length) });
const LONG_ID = "a".repeat(128);

const ROWS: Row[] = [
  // ---- identity headers: forging, Connection tricks --------------------------------------
  {
    name: "forged X-Gateway-* identity headers are replaced by the gateway's own",
    path: "/__test/echo/forge",
    headers: () => [
      ["X-Gateway-Account-Id", "victim"],
      ["X-Gateway-Key-Id", "key_victim"],
      ["X-Gateway-Scopes", "submissions:write admin"],
      ["X-Gateway-Tier", "pro"],
      ["X-Gateway-Signature", "t=1,v1=00"],
    ],
    status: 200,
    code: null,
    origin: "echo",
    check: identityAtOrigin,
  },
  {
    name: "Connection naming the gateway's identity headers does not remove them",
    path: "/__test/echo/connection",
    headers: () => [
      [
        "Connection",
        "X-Gateway-Account-Id, X-Gateway-Key-Id, X-Gateway-Scopes, X-Gateway-Tier, X-Request-Id",
      ],
    ],
    status: 200,
    code: null,
    origin: "echo",
    check: identityAtOrigin,
  },
  {
    name: "Connection: Authorization neither skips authentication nor forwards the key",
    path: "/__test/echo/connection-auth",
    headers: () => [["Connection", "Authorization"]],
    status: 200,
    code: null,
    origin: "echo",
    check: identityAtOrigin,
  },
  {
    name: "Connection: Authorization without a key is still missing_credentials",
    path: "/v1/submissions",
    key: null,
    headers: () => [["Connection", "Authorization"]],
    status: 401,
    code: "missing_credentials",
    origin: "never",
  },
  {
    name: "Connection: Idempotency-Key does not drop the key the gateway processed",
    method: "POST",
    path: "/__test/echo/connection-idem",
    headers: () => [
      ["Idempotency-Key", "conn-idem-1"],
      ["Connection", "Idempotency-Key"],
    ],
    status: 200,
    code: null,
    origin: "echo",
    check: (res) => expect(res.json.headers["idempotency-key"]).toBe("conn-idem-1"),
  },
  {
    name: "identity headers spelled with underscores never reach the origin (CGI folds _ into -)",
    path: "/__test/echo/underscores",
    headers: () => [
      ["X-Gateway_Account_Id", "evil"],
      ["X_Gateway_Tier", "pro"],
      ["x_gateway_scopes", "submissions:write admin"],
      ["X_Request_Id", "forged-id"],
      ["Idempotency_Key", "forged-key"],
      ["Keep_Alive", "timeout=5"],
      ["Proxy_Authorization", "Basic Zm9vOmJhcg=="],
      ["Connection", "X_Custom_Hop"],
      ["X-Custom-Hop", "named by Connection with an underscore"],
      ["X_Plain_Header", "kept"],
    ],
    status: 200,
    code: null,
    origin: "echo",
    check: (res, account) => {
      identityAtOrigin(res, account);
      const names = Object.keys(res.json.headers as Record<string, string>);
      for (const forged of [
        "x-gateway_account_id",
        "x_gateway_tier",
        "x_gateway_scopes",
        "x_request_id",
        "idempotency_key",
        "keep_alive",
        "proxy_authorization",
        "x-custom-hop",
      ]) {
        expect(names).not.toContain(forged);
      }
      // A header that collides with nothing the gateway owns passes as sent.
      expect(res.json.headers.x_plain_header).toBe("kept");
    },
  },
  ...(
    [
      ["X-HTTP-Method-Override", "DELETE"],
      ["X-HTTP-Method", "DELETE"],
      ["X-Method-Override", "DELETE"],
      ["X-Original-URL", "/v1/submissions/victim"],
      ["X-Rewrite-URL", "/v1/submissions/victim"],
      ["X_HTTP_Method_Override", "DELETE"],
    ] as const
  ).map(
    ([header, value]): Row => ({
      name: `${header} is refused naming it, before any admission (a read key cannot override its method)`,
      method: "GET",
      path: "/v1/submissions",
      key: "read",
      headers: () => [[header, value]],
      status: 400,
      code: "invalid_parameter",
      details: { field: header.toLowerCase() },
      origin: "never",
    }),
  ),
  {
    name: "a forged X-Gateway-Scopes does not let a read-only key create",
    ...create(json({ num_generations: 10 })),
    key: "read",
    headers: () => [["X-Gateway-Scopes", "submissions:read submissions:write"]],
    status: 403,
    code: "scope_required",
    details: { required_scope: "submissions:write" },
    origin: "never",
  },
  {
    name: "a forged X-Gateway-Tier: pro does not lift the free tier's caps",
    ...create(json({ num_generations: 5000 })),
    headers: () => [["X-Gateway-Tier", "pro"]],
    status: 403,
    code: "tier_limit_exceeded",
    details: { field: "num_generations", limit: 1000, value: 5000, tier: "free" },
    origin: "never",
  },

  // ---- X-Request-Id ------------------------------------------------------------------------
  ...(
    [
      ["with a space", "abc def"],
      ["of 129 characters", "a".repeat(129)],
      ["that is empty", ""],
      ["with path characters", "../../etc/passwd"],
      ["with markup", "<script>alert(1)</script>"],
      ["with non-ASCII", "req-\u00e9"],
      ["with a control character", "req\u0001id"],
      ["of 16 KiB", "r".repeat(16 * 1024)],
    ] as const
  ).map(
    ([what, sent]): Row => ({
      name: `an X-Request-Id ${what} is replaced by a fresh one`,
      path: "/v1/submissions",
      key: null,
      headers: () => [["X-Request-Id", sent]],
      status: 401,
      code: "missing_credentials",
      origin: "never",
      check: replacedId(sent),
    }),
  ),
  {
    name: "an X-Request-Id of 128 allowed characters is kept and forwarded",
    path: "/__test/echo/request-id",
    headers: () => [["X-Request-Id", LONG_ID]],
    status: 200,
    code: null,
    origin: "echo",
    check: (res) => {
      expect(res.headers.get("X-Request-Id")).toBe(LONG_ID);
      expect(res.json.headers["x-request-id"]).toBe(LONG_ID);
    },
  },

  // ---- Idempotency-Key -----------------------------------------------------------------------
  ...(
    [
      ["a control character", "key\u0001one"],
      ["a tab inside", "key\tone"],
      ["DEL", "key\u007fone"],
      ["256 characters", "k".repeat(256)],
      ["an empty value", ""],
      ["an empty quoted string", '""'],
      ["non-ASCII", "cl\u00e9"],
      ["two members", "key-1, key-2"],
    ] as const
  ).map(
    ([what, sent]): Row => ({
      name: `an Idempotency-Key with ${what} is invalid_parameter`,
      ...create(json({ num_generations: 10 })),
      headers: () => [["Idempotency-Key", sent]],
      status: 400,
      code: "invalid_parameter",
      details: { field: "Idempotency-Key" },
      origin: "never",
    }),
  ),
  {
    name: "duplicate Idempotency-Key headers (joined with a comma) are invalid_parameter",
    ...create(json({ num_generations: 10 })),
    headers: () => [
      ["Idempotency-Key", "dup-1"],
      ["Idempotency-Key", "dup-1"],
    ],
    status: 400,
    code: "invalid_parameter",
    details: { field: "Idempotency-Key" },
    origin: "never",
  },
  {
    name: "a quoted Idempotency-Key with an escaped quote is valid and creates",
    ...create(json({ num_generations: 10 })),
    headers: () => [["Idempotency-Key", '"quoted\\"key"']],
    status: 201,
    code: null,
    origin: "once",
  },
  {
    name: "a lowercase patch still has its Idempotency-Key checked",
    method: "patch",
    path: "/v1/submissions/sub_x",
    headers: () => [["Idempotency-Key", "bad\u0001key"]],
    status: 400,
    code: "invalid_parameter",
    details: { field: "Idempotency-Key" },
    origin: "never",
  },

  // ---- Authorization -------------------------------------------------------------------------
  {
    name: "duplicate Authorization headers (joined with a comma) are invalid_credentials",
    path: "/v1/submissions",
    key: null,
    headers: (key) => [
      ["Authorization", `Bearer ${key}`],
      ["Authorization", `Bearer ${key}`],
    ],
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },
  {
    name: "a Basic scheme is invalid_credentials",
    path: "/v1/submissions",
    key: null,
    headers: () => [["Authorization", "Basic dXNlcjpwYXNz"]],
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },
  {
    name: "Bearer with nothing after it is missing_credentials",
    path: "/v1/submissions",
    key: null,
    headers: () => [["Authorization", "Bearer"]],
    status: 401,
    code: "missing_credentials",
    origin: "never",
  },
  {
    name: "a 16 KiB bearer token is invalid_credentials",
    path: "/v1/submissions",
    key: null,
    headers: () => [["Authorization", `Bearer gk_${"A".repeat(16 * 1024)}`]],
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },
  {
    name: "a non-ASCII bearer token is invalid_credentials",
    path: "/v1/submissions",
    key: null,
    headers: (key) => [["Authorization", `Bearer ${key.slice(0, -1)}\u00e9`]],
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },
  {
    name: "a key with a wrong checksum is invalid_credentials",
    path: "/v1/submissions",
    key: null,
    headers: (key) => [
      ["Authorization", `Bearer ${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`],
    ],
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },
  {
    name: "a key followed by a control character is invalid_credentials",
    path: "/v1/submissions",
    key: null,
    headers: (key) => [["Authorization", `Bearer ${key}\u0001`]],
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },
  {
    name: "the scheme is case-insensitive: bearer <key> is admitted",
    path: "/v1/submissions",
    key: null,
    headers: (key) => [["Authorization", `bearer ${key}`]],
    status: 200,
    code: null,
    origin: "once",
  },

  // ---- gateway-owned paths: 404, never the origin (with a valid key that could be proxied) ----
  ...[
    "/_gateway/nothing",
    "//_gateway/health",
    "/%5Fgateway/health",
    "/%5fGATEWAY/admin/accounts",
    "/_GATEWAY/health",
    "/_gateway%2Fadmin%2Faccounts",
    "/_gateway%5Chealth",
    "/v1/%2e%2e/_gateway/nothing",
    "/_gateway/admin%2Faccounts",
  ].map(
    (path): Row => ({
      name: `${path} is a gateway path: 404 not_found`,
      path,
      status: 404,
      code: "not_found",
      origin: "never",
    }),
  ),
  {
    name: "/x/../_gateway/admin/accounts is the admin API, which refuses an API key",
    path: "/x/../_gateway/admin/accounts",
    status: 401,
    code: "invalid_credentials",
    origin: "never",
  },

  // ---- /v1/submissions spelled otherwise keeps its route's checks ----------------------------
  {
    name: "//v1//submissions/ is the create route: scope_required for a read-only key",
    ...create(json({ num_generations: 10 }), { path: "//v1//submissions/" }),
    key: "read",
    status: 403,
    code: "scope_required",
    details: { required_scope: "submissions:write" },
    origin: "never",
  },
  {
    name: "/V1/Submissions is the create route: tier caps apply",
    ...create(json({ num_generations: 5000 }), { path: "/V1/Submissions" }),
    status: 403,
    code: "tier_limit_exceeded",
    origin: "never",
  },
  {
    name: "/v1/%73ubmissions is the create route: the body is validated",
    ...create(() => '{"num_generations":', { path: "/v1/%73ubmissions" }),
    status: 400,
    code: "invalid_body",
    details: {},
    origin: "never",
  },
  {
    name: "/v1%2Fsubmissions is the create route: scope_required for a read-only key",
    ...create(json({ num_generations: 10 }), { path: "/v1%2Fsubmissions" }),
    key: "read",
    status: 403,
    code: "scope_required",
    origin: "never",
  },
  {
    name: "/v1%5Csubmissions is the create route: tier caps apply",
    ...create(json({ num_genes: 9999 }), { path: "/v1%5Csubmissions" }),
    status: 403,
    code: "tier_limit_exceeded",
    details: { field: "num_genes", limit: 256, value: 9999 },
    origin: "never",
  },
  {
    name: "/v1/submissions/sub_x%2Fcancel is the cancel route: scope_required for a read-only key",
    method: "POST",
    path: "/v1/submissions/sub_x%2Fcancel",
    key: "read",
    status: 403,
    code: "scope_required",
    origin: "never",
  },
  {
    name: "/v1/submissions/sub_x/CANCEL is the cancel route: scope_required for a read-only key",
    method: "POST",
    path: "/v1/submissions/sub_x/CANCEL",
    key: "read",
    status: 403,
    code: "scope_required",
    origin: "never",
  },
  {
    name: "DELETE /v1/submissions/sub_x needs the write scope",
    method: "DELETE",
    path: "/v1/submissions/sub_x",
    key: "read",
    status: 403,
    code: "scope_required",
    origin: "never",
  },
  ...(
    [
      ["/v1/submissions/?limit=0", "limit"],
      ["/V1/SUBMISSIONS?limit=abc", "limit"],
      ["/v1/submissions?limit=1&limit=2", "limit"],
      ["/v1/submissions?limit=1e2", "limit"],
      [`/v1/submissions?cursor=${"c".repeat(257)}`, "cursor"],
    ] as const
  ).map(
    ([path, field]): Row => ({
      name: `GET ${path.slice(0, 48)} is invalid_parameter (${field})`,
      path,
      status: 400,
      code: "invalid_parameter",
      details: { field },
      origin: "never",
    }),
  ),

  // ---- methods --------------------------------------------------------------------------------
  {
    name: "a method the route table does not name (PROPFIND) is proxied; the origin decides",
    method: "PROPFIND",
    path: "/v1/submissions",
    key: "read",
    status: 404,
    code: "not_found",
    origin: "once",
  },
  {
    name: "a lowercase get is GET: a write-only key cannot list",
    method: "get",
    path: "/v1/submissions",
    key: "write",
    status: 403,
    code: "scope_required",
    details: { required_scope: "submissions:read" },
    origin: "never",
  },
  {
    name: "a lowercase post is POST: a read-only key cannot create",
    ...create(json({ num_generations: 10 }), { method: "post" }),
    key: "read",
    status: 403,
    code: "scope_required",
    origin: "never",
  },
  {
    name: "OPTIONS without a key is missing_credentials (no preflight bypass)",
    method: "OPTIONS",
    path: "/v1/submissions",
    key: null,
    status: 401,
    code: "missing_credentials",
    origin: "never",
  },

  // ---- header size and content ----------------------------------------------------------------
  {
    name: "a 16 KiB header without a key is missing_credentials",
    path: "/v1/submissions",
    key: null,
    headers: () => [["X-Big", "x".repeat(16 * 1024)]],
    status: 401,
    code: "missing_credentials",
    origin: "never",
  },
  {
    name: "200 extra headers with a valid key are proxied",
    path: "/__test/fast",
    headers: () =>
      Array.from({ length: 200 }, (_, i): [string, string] => [`X-Extra-${i}`, `v${i}`]),
    status: 200,
    code: null,
    origin: "once",
  },
  {
    name: "an 8 KiB header with a valid key is proxied intact",
    path: "/__test/echo/big-header",
    headers: () => [["X-Big", "b".repeat(8 * 1024)]],
    status: 200,
    code: null,
    origin: "echo",
    check: (res) => expect(res.json.headers["x-big"]).toHaveLength(8 * 1024),
  },
  {
    name: "a non-ASCII header value is proxied",
    path: "/__test/echo/non-ascii",
    headers: () => [["X-Custom", "caf\u00e9"]],
    status: 200,
    code: null,
    origin: "echo",
    check: (res) => expect(res.json.headers["x-custom"]).toBeDefined(),
  },
  ...(
    [
      ["a control character", "a\u0001b"],
      ["DEL", "a\u007fb"],
    ] as const
  ).map(
    ([what, value]): Row => ({
      name: `a forwarded header with ${what} is invalid_parameter, before admission`,
      path: "/__test/fast",
      headers: () => [["X-Custom", value]],
      status: 400,
      code: "invalid_parameter",
      details: { field: "x-custom" },
      origin: "never",
    }),
  ),

  // ---- bodies -----------------------------------------------------------------------------------
  {
    name: "10000 nested arrays are invalid_body, not a crash",
    ...create(() => nested(10_000)),
    status: 400,
    code: "invalid_body",
    details: {},
    origin: "never",
  },
  {
    name: "10000 nested arrays inside a field are invalid_body",
    ...create(() => `{"name":${nested(10_000)}}`),
    status: 400,
    code: "invalid_body",
    origin: "never",
  },
  {
    name: "a JSON body one byte over 64 KiB is 413 body_too_large",
    ...create(padTo(LIMIT_64K + 1)),
    status: 413,
    code: "invalid_body",
    details: { reason: "body_too_large", limit_bytes: LIMIT_64K },
    origin: "never",
  },
  {
    name: "a JSON body of exactly 64 KiB is accepted",
    ...create(padTo(LIMIT_64K)),
    status: 201,
    code: null,
    origin: "once",
  },
  {
    name: "a chunked create body over 64 KiB is 413, counted on the bytes read",
    ...create(chunked(LIMIT_64K + 1)),
    status: 413,
    code: "invalid_body",
    details: { reason: "body_too_large", limit_bytes: LIMIT_64K },
    origin: "never",
  },
  {
    name: "a chunked body over 1 MiB on a proxied route is 413 and never reaches the origin",
    method: "POST",
    path: "/__test/fast",
    body: chunked(1024 * 1024 + 1),
    status: 413,
    code: "invalid_body",
    details: { reason: "body_too_large", limit_bytes: 1024 * 1024 },
    origin: "never",
  },
  {
    name: "a body stream that breaks off is invalid_body, not a fault",
    ...create(
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"num_generations":'));
            controller.error(new Error("client went away"));
          },
        }),
    ),
    status: 400,
    code: "invalid_body",
    origin: "never",
  },
  ...(
    [
      ["2^53 + 1", "9007199254740993"],
      ["1e400", "1e400"],
      ["-0", "-0"],
      ["1.5", "1.5"],
      ["a string", '"10"'],
      ["zero", "0"],
      ["true", "true"],
    ] as const
  ).map(
    ([what, literal]): Row => ({
      name: `num_generations ${what} is invalid_body naming the field`,
      ...create(() => `{"num_generations":${literal}}`),
      status: 400,
      code: "invalid_body",
      details: { field: "num_generations" },
      origin: "never",
    }),
  ),
  {
    name: "num_generations 1e3 is the integer 1000, at the free cap: accepted",
    ...create(() => '{"num_generations":1e3}'),
    status: 201,
    code: null,
    origin: "once",
  },
  {
    name: "num_generations 1001 is one above the free cap: tier_limit_exceeded",
    ...create(json({ num_generations: 1001 })),
    status: 403,
    code: "tier_limit_exceeded",
    details: { field: "num_generations", limit: 1000, value: 1001, tier: "free" },
    origin: "never",
  },
  {
    name: "num_genes 1e3 is 1000, above the free cap of 256",
    ...create(() => '{"num_genes":1e3}'),
    status: 403,
    code: "tier_limit_exceeded",
    details: { field: "num_genes", limit: 256, value: 1000 },
    origin: "never",
  },
  {
    name: "duplicate JSON keys are refused naming the key: an origin may keep the first",
    ...create(() => '{"num_generations":10,"num_generations":100000}'),
    status: 400,
    code: "invalid_body",
    details: { field: "num_generations" },
    origin: "never",
  },
  {
    name: "a duplicate spelled with an escape is the same key",
    ...create(() => '{"num_genes":4,"num_gen\\u0065s":4}'),
    status: 400,
    code: "invalid_body",
    details: { field: "num_genes" },
    origin: "never",
  },
  {
    name: "a duplicate deep inside the body is named by its path",
    ...create(() => '{"name":"x","params":[{"a":1},{"a":1,"b":2,"a":3}]}'),
    status: 400,
    code: "invalid_body",
    details: { field: "params.1.a" },
    origin: "never",
  },
  ...(
    [
      ["null", () => "null"],
      ["an array", () => "[]"],
      ["a string", () => '"{}"'],
      ["empty", () => ""],
      ["broken JSON", () => '{"num_generations": 10'],
      ["invalid UTF-8", () => new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ] as const
  ).map(
    ([what, body]): Row => ({
      name: `a create body that is ${what} is invalid_body with no field`,
      ...create(body),
      status: 400,
      code: "invalid_body",
      details: {},
      origin: "never",
    }),
  ),
];

const SCOPES: Record<Scopes, string[]> = {
  "read+write": ["submissions:read", "submissions:write"],
  read: ["submissions:read"],
  write: ["submissions:write"],
};

describe("bad-input corpus", () => {
  it("has at least 40 rows with distinct names", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ROWS.map((row) => row.name)).size).toBe(ROWS.length);
  });

  it.each(ROWS.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const gw = gateway();
    const scopes = row.key === undefined || row.key === null ? "read+write" : row.key;
    const account = await createAccount(gw, { scopes: SCOPES[scopes] });
    const tag = uniqueId("corpus");
    const headers: [string, string][] = [["X-Test-Tag", tag]];
    if (row.key !== null) headers.push(["Authorization", `Bearer ${account.key}`]);
    headers.push(...(row.headers?.(account.key) ?? []));
    if (row.body !== undefined) headers.push(["Content-Type", "application/json"]);
    const res = await gw.fetch(row.path, {
      method: row.method ?? "GET",
      headers,
      ...(row.body === undefined ? {} : { body: row.body() }),
    });

    if (row.code === null) {
      expect(res.status, res.text).toBe(row.status);
      expect(res.headers.get("X-Request-Id")).toMatch(ID_PATTERN);
    } else {
      const error = expectEnvelope(res, row.status, row.code);
      if (row.details !== undefined) expect(error.details).toMatchObject(row.details);
      if (row.details !== undefined && Object.keys(row.details).length === 0) {
        expect(error.details).not.toHaveProperty("field");
      }
    }
    row.check?.(res, account);
    if (row.origin !== "echo") {
      expect((await originStats(tag)).count).toBe(row.origin === "never" ? 0 : 1);
    }
  });
});
