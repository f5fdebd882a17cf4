// Seeded random requests (fast-check, seed 4242): methods, paths from a hostile alphabet,
// Authorization variants, odd headers and broken bodies, against the real origin. Whatever
// comes in: never a 5xx, never a hang, every error exactly the envelope with a catalogue code,
// and nothing without a valid key ever gets a success (except the health check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addKey, createAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import {
  adminHeaders,
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  gateway,
} from "../support/gateway";

const SEED = 4242;
const NUM_RUNS = 250;
const REQUEST_TIMEOUT_MS = 5_000;

const SEGMENTS = [
  "v1",
  "V1",
  "submissions",
  "SUBMISSIONS",
  "%73ubmissions",
  "sub_x",
  "sub_%00",
  "cancel",
  "CANCEL",
  "_gateway",
  "%5Fgateway",
  "_GATEWAY",
  "admin",
  "accounts",
  "keys",
  "health",
  "..",
  ".",
  "%2e%2e",
  "%2F",
  "%5C",
  "%2f_gateway",
  "%",
  "%zz",
  "%ff",
  "\u{1F600}",
  "a b",
  "x;y=1",
  "",
];
const QUERIES = [
  "",
  "?limit=0",
  "?limit=100",
  "?limit=101",
  "?limit=abc",
  "?limit=1&limit=1",
  `?cursor=${"c".repeat(300)}`,
  "?%zz",
  "?x=%00",
];
const METHODS = [
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "PROPFIND",
  "get",
  "post",
  "patch",
];

interface Keys {
  full: string;
  read: string;
}

/** Authorization variants; `valid` says whether it names a live key. */
type AuthVariant = { value: string | null; valid: boolean };
function authVariants(keys: Keys): fc.Arbitrary<AuthVariant> {
  const flipped = `${keys.full.slice(0, -1)}${keys.full.endsWith("A") ? "B" : "A"}`;
  const valid = fc.constantFrom<AuthVariant>(
    { value: `Bearer ${keys.full}`, valid: true },
    { value: `bearer ${keys.full}`, valid: true },
    { value: `Bearer ${keys.read}`, valid: true },
  );
  const invalid = fc.oneof(
    fc.constantFrom<AuthVariant>(
      { value: null, valid: false },
      { value: "", valid: false },
      { value: "Bearer", valid: false },
      { value: "Bearer    ", valid: false },
      { value: "Basic Zm9vOmJhcg==", valid: false },
      { value: `Bearer ${keys.full}, Bearer ${keys.full}`, valid: false },
      { value: `Bearer ${flipped}`, valid: false },
      { value: `Bearer ${keys.full}\u0001`, valid: false },
    ),
    headerValue().map((garbage) => ({ value: `Bearer gk_${garbage}`, valid: false })),
  );
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: invalid, weight: 2 });
}

/** Paths: the submission routes in odd spellings, or anything from the hostile alphabet. */
const pathSegments: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom<string>("v1", "V1", "%76%31", "v1%2F"),
        fc.constantFrom<string>(
          "submissions",
          "SUBMISSIONS",
          "%73ubmissions",
          "submissions%5C",
          "",
        ),
        fc.oneof(
          { weight: 3, arbitrary: fc.constant<string | null>(null) },
          {
            weight: 2,
            arbitrary: fc.constantFrom<string | null>("sub_x", "sub_%00", "%2e%2e", "\u{1F600}"),
          },
        ),
        fc.constantFrom<string | null>(null, "cancel", "CANCEL", "cancel%2F"),
      )
      .map(([version, collection, id, action]): string[] => {
        const segments = [version, collection];
        if (id !== null) segments.push(id);
        if (id !== null && action !== null) segments.push(action);
        return segments;
      }),
  },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 5 }) },
);

/** Any string a Headers object accepts (no NUL, CR or LF), control characters included. */
function headerValue(): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ unit: "binary-ascii", maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.string({ maxLength: 300 }),
    )
    .map((value) => value.replace(/[\0\r\n]/g, "").trim());
}

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const numberLiteral = fc.oneof(
  fc.integer({ min: -5, max: 30_000 }).map(String),
  fc.constantFrom("1e3", "1e400", "-0", "1.5", "9007199254740993", '"10"', "null", "true", "[]"),
);
const bodyArbitrary: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant("{}"),
  { weight: 3, arbitrary: fc.constant('{"name":"fuzz","num_generations":10,"num_genes":4}') },
  fc
    .record({ num_generations: optional(numberLiteral), num_genes: optional(numberLiteral) })
    .map(({ num_generations, num_genes }) => {
      const fields = [
        num_generations === undefined ? null : `"num_generations":${num_generations}`,
        num_genes === undefined ? null : `"num_genes":${num_genes}`,
      ].filter((field) => field !== null);
      return `{${fields.join(",")}}`;
    }),
  fc.string({ maxLength: 60 }),
  fc.json({ maxDepth: 4 }),
  fc.integer({ min: 1, max: 200 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.constant(`{"name":"${"x".repeat(70 * 1024)}"}`),
);

function requestArbitrary(keys: Keys) {
  return fc.record({
    method: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom("GET", "POST") },
      { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
    ),
    segments: pathSegments,
    query: fc.constantFrom(...QUERIES),
    auth: authVariants(keys),
    idempotencyKey: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: headerValue() },
    ),
    requestId: optional(headerValue()),
    connection: optional(
      fc.constantFrom(
        "close",
        "X-Gateway-Account-Id",
        "Authorization",
        "Idempotency-Key, X-Request-Id",
      ),
    ),
    contentType: optional(
      fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
    ),
    body: bodyArbitrary,
  });
}

type FuzzRequest = ReturnType<typeof requestArbitrary> extends fc.Arbitrary<infer R> ? R : never;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${what}`)),
      REQUEST_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

async function send(gw: GatewayHarness, request: FuzzRequest): Promise<GatewayResponse> {
  const path = `/${request.segments.join("/")}${request.query}`;
  const headers = new Headers();
  if (request.auth.value !== null) headers.set("Authorization", request.auth.value);
  if (request.idempotencyKey !== undefined) headers.set("Idempotency-Key", request.idempotencyKey);
  if (request.requestId !== undefined) headers.set("X-Request-Id", request.requestId);
  if (request.connection !== undefined) headers.set("Connection", request.connection);
  if (request.contentType !== undefined) headers.set("Content-Type", request.contentType);
  const bodyless = ["GET", "HEAD"].includes(request.method.toUpperCase());
  return withTimeout(
    gw.fetch(path, {
      method: request.method,
      headers,
      ...(request.body === undefined || bodyless ? {} : { body: request.body }),
    }),
    `${request.method} ${path}`,
  );
}

describe("seeded request fuzz", () => {
  it("never answers 5xx, never hangs, and answers every error in the exact envelope", {
    timeout: 60_000,
  }, async () => {
    const gw = gateway();
    // Pro: room for the whole run within one minute, and caps high enough to reach the origin.
    const account = await createAccount(gw, { tier: "pro" });
    const readKey = await addKey(gw, account.accountId, { scopes: ["submissions:read"] });
    const keys: Keys = { full: account.key, read: readKey.key };
    const seen = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(requestArbitrary(keys), async (request) => {
        const res = await send(gw, request);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect(res.status, res.text).toBeLessThan(500);
        expect(res.headers.get("X-Request-Id")).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        const pathname = new URL(`http://x/${request.segments.join("/")}`).pathname;
        if (!request.auth.valid && pathname !== "/_gateway/health") {
          expect(res.status).toBeGreaterThanOrEqual(400);
        }
        if (res.status >= 400 && request.method.toUpperCase() !== "HEAD") {
          expectEnvelope(res, res.status);
        }
        // A create that made a submission: report it finished, so slots never run out.
        if (res.status === 201 && typeof res.json?.id === "string") {
          const release = await gw.fetch(
            `/_gateway/admin/accounts/${account.accountId}/submissions/${res.json.id}/release`,
            { method: "POST", headers: adminHeaders },
          );
          expect(release.status).toBe(200);
        }
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );

    // The run covered the interesting answers, not just one kind of rejection.
    for (const status of [200, 201, 400, 401, 403, 404]) {
      expect(
        seen.get(status) ?? 0,
        `status ${status} in ${JSON.stringify([...seen])}`,
      ).toBeGreaterThan(0);
    }
    // And the gateway is fine afterwards.
    const after = await gw.fetch("/v1/submissions", { headers: bearer(account.key) });
    expect(after.status).toBe(200);
  });
});
