// The fingerprint behind a key: method, path with query, and body (canonical JSON for JSON
// bodies); never a header. A key reused for a different request is a 422, on every path. Then
// the parts on their own (src/idempotency/canonical-json.ts and fingerprint.ts): canonical JSON
// and the fingerprint, against fast-check models.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/idempotency/canonical-json";
import { fingerprintRequest } from "../../../src/idempotency/fingerprint";
import { usage } from "../support/account-object";
import { createAccount, type TestAccount } from "../support/accounts";
import {
  type GatewayHarness,
  type GatewayResponse,
  gateway,
  originStats,
  uniqueId,
  untilAtOrigin,
} from "../support/gateway";
import { CREATE_BODY, send } from "../support/requests";
import {
  expectExecuted,
  expectInProgress,
  expectMismatch,
  expectReplayOf,
  freshKey,
} from "./support";

/** The same key on a request that differs in body, path, query or method only. */
async function expectAllVariantsMismatch(
  gw: GatewayHarness,
  account: TestAccount,
  key: string,
): Promise<void> {
  const variants: [string, string, unknown][] = [
    ["body", "/v1/submissions", { ...CREATE_BODY, num_generations: 11 }],
    ["path", "/__test/echo/x", CREATE_BODY],
    ["query", "/v1/submissions?dry_run=1", CREATE_BODY],
  ];
  for (const [what, path, body] of variants) {
    const res = await send(gw, account.key, path, { idempotencyKey: key, body });
    expect(res.status, `different ${what}`).toBe(422);
    expectMismatch(res);
  }
  expectMismatch(
    await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      method: "PATCH",
    }),
  );
}

describe("the idempotency fingerprint", () => {
  it("treats key order and whitespace of a JSON body as the same request", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: '{"name":"idem","num_generations":10,"num_genes":4}',
    });
    expectExecuted(original);

    const reordered = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: '{\n  "num_genes": 4,\n\t"num_generations" : 10 ,  "name":"idem"\n}\n',
    });
    expectReplayOf(reordered, original);
  });

  it("answers 422 idempotency_key_mismatch for a different body, path, query or method after completion", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-mismatch");
    const key = freshKey();
    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag },
    });
    expectExecuted(original);
    const before = await usage(gw, account.accountId);

    await expectAllVariantsMismatch(gw, account, key);

    // Mismatches consumed nothing and left the stored answer alone.
    expect(await usage(gw, account.accountId)).toEqual(before);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
      original,
    );
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("checks the fingerprint of a stored record before replaying it (regression)", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    expectExecuted(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
    );

    const other = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: { ...CREATE_BODY, name: "someone else's run" },
    });
    expectMismatch(other);
  });

  it("answers 422 for a different request while the first is still in progress", {
    timeout: 15_000,
  }, async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-mismatch-inflight");
    const key = freshKey();
    const slow = { "X-Test-Delay-Ms": "500", "X-Test-Tag": tag };

    const first = send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: slow,
    });
    await untilAtOrigin(tag);

    await expectAllVariantsMismatch(gw, account, key);
    expectInProgress(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
    );

    const original = await first;
    expectExecuted(original);
    await expectAllVariantsMismatch(gw, account, key);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
      original,
    );
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("answers 422 for PATCH after POST with one key on the same path and body", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const body = { op: "touch" };
    const post = await send(gw, account.key, "/__test/echo/x", { idempotencyKey: key, body });
    expectExecuted(post, 200);
    expect(post.json.method).toBe("POST");

    expectMismatch(
      await send(gw, account.key, "/__test/echo/x", { idempotencyKey: key, body, method: "PATCH" }),
    );
    expectMismatch(
      await send(gw, account.key, "/__test/echo/x", {
        idempotencyKey: key,
        body,
        method: "DELETE",
      }),
    );
    expectReplayOf(
      await send(gw, account.key, "/__test/echo/x", { idempotencyKey: key, body }),
      post,
    );
  });

  it("covers no header: a request differing only in headers is a replay", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-headers");
    const key = freshKey();
    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: { "X-Foo": "one", "X-Test-Tag": tag, "X-Request-Id": "headers-1" },
    });
    expectExecuted(original);

    const replay = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: {
        "X-Foo": "two",
        Accept: "text/plain",
        "User-Agent": "another-client/2.0",
        // Not even Content-Type: the same JSON sent as text/plain is the same request.
        "Content-Type": "text/plain",
        "X-Test-Tag": tag,
        "X-Request-Id": "headers-2",
      },
    });
    expectReplayOf(replay, original);
    expect(replay.headers.get("X-Request-Id")).toBe("headers-2");
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("fingerprints the canonical path the origin receives", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const original = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expectExecuted(original);
    expectReplayOf(
      await send(gw, account.key, "//v1//submissions/", { idempotencyKey: key, body: CREATE_BODY }),
      original,
    );
  });

  it('treats the quoted "abc" and the bare abc as the same key', async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const quoted = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: `"${key}"`,
      body: CREATE_BODY,
    });
    expectExecuted(quoted);
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", { idempotencyKey: key, body: CREATE_BODY }),
      quoted,
    );
    // Surrounding spaces are not part of the key either.
    expectReplayOf(
      await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: `  ${key}\t`,
        body: CREATE_BODY,
      }),
      quoted,
    );
  });

  it("scopes keys per account: the same key on two accounts executes twice", async () => {
    const gw = gateway();
    const tag = uniqueId("idem-scope");
    const key = freshKey();
    const answers: GatewayResponse[] = [];
    for (let i = 0; i < 2; i++) {
      const account = await createAccount(gw);
      const res = await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers: { "X-Test-Tag": tag },
      });
      expectExecuted(res);
      answers.push(res);
    }
    expect(answers[0]?.json.id).not.toBe(answers[1]?.json.id);
    expect((await originStats(tag)).creates).toBe(2);
  });
});

const PROPERTY_RUNS = { seed: 42, numRuns: 500 };
const encoder = new TextEncoder();

function request(
  overrides: Partial<{
    method: string;
    pathWithQuery: string;
    body: string | Uint8Array;
  }>,
) {
  const body = overrides.body ?? "";
  return fingerprintRequest({
    method: overrides.method ?? "POST",
    pathWithQuery: overrides.pathWithQuery ?? "/v1/submissions",
    body: typeof body === "string" ? encoder.encode(body) : body,
  });
}

/** Rebuilds every object with its keys inserted in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).reverse()) out[k] = reverseKeys(v);
    return out;
  }
  return value;
}

describe("canonicalJson", () => {
  it("sorts keys at every depth, keeps array order, and drops whitespace", () => {
    const text = '{ "b": [3, 1, {"z": 1, "a": 2}], "a": { "d": null, "c": true } }';
    expect(canonicalJson(JSON.parse(text))).toBe(
      '{"a":{"c":true,"d":null},"b":[3,1,{"a":2,"z":1}]}',
    );
  });

  it("orders keys by UTF-16 code unit, not by code point or locale", () => {
    const value = { "\uFFFD": 1, "\u{1F600}": 2, b: 3, B: 4, é: 5 };
    expect(canonicalJson(value)).toBe('{"B":4,"b":3,"é":5,"\u{1F600}":2,"\uFFFD":1}');
  });

  it("prints numbers and strings as JSON.stringify does", () => {
    expect(canonicalJson(JSON.parse("[1.0, 1e21, -0, 0.1, 1E-7]"))).toBe("[1,1e+21,0,0.1,1e-7]");
    expect(canonicalJson('a"\\\n\u2028')).toBe(JSON.stringify('a"\\\n\u2028'));
  });

  it("refuses a non-finite number rather than printing it as null", () => {
    expect(() => canonicalJson(JSON.parse("1e400"))).toThrow(RangeError);
  });

  it("is equal for values differing only in key order or whitespace", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value);
        expect(canonicalJson(reverseKeys(value))).toBe(canonical);
        expect(canonicalJson(JSON.parse(JSON.stringify(value, null, 2)))).toBe(canonical);
        // Canonical text is itself JSON, and canonicalising it again changes nothing.
        expect(canonicalJson(JSON.parse(canonical))).toBe(canonical);
      }),
      PROPERTY_RUNS,
    );
  });
});

describe("fingerprintRequest", () => {
  it("is lowercase hex SHA-256", async () => {
    expect(await request({ body: "{}" })).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for JSON bodies differing only in key order or whitespace", async () => {
    const a = await request({ body: '{"num_genes": 8, "num_generations": 100}' });
    const b = await request({ body: '{\n  "num_generations":100,\n  "num_genes":8\n}\n' });
    expect(b).toBe(a);
  });

  it("is the same whatever the method's case", async () => {
    expect(await request({ method: "post", body: "{}" })).toBe(
      await request({ method: "POST", body: "{}" }),
    );
  });

  it("differs when the method, path, query or body differs", async () => {
    const base = await request({ body: '{"a":1}' });
    const variants = await Promise.all([
      request({ method: "PATCH", body: '{"a":1}' }),
      request({ pathWithQuery: "/v1/submissions/", body: '{"a":1}' }),
      request({ pathWithQuery: "/v1/submissions?x=1", body: '{"a":1}' }),
      request({ body: '{"a":2}' }),
      request({ body: '{"a":"1"}' }),
      request({ body: '[{"a":1}]' }),
      request({ body: "" }),
    ]);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("uses raw bytes for a body that is not JSON, so every byte then matters", async () => {
    const broken = await request({ body: '{"a":1' });
    expect(broken).not.toBe(await request({ body: '{"a":1 ' }));
    expect(await request({ body: "a b" })).not.toBe(await request({ body: "a  b" }));
  });

  it("does not merge bodies that differ only in invalid UTF-8, a BOM or an overflowing number", async () => {
    const quoted = (byte: number) => new Uint8Array([0x22, byte, 0x22]);
    expect(await request({ body: quoted(0xff) })).not.toBe(await request({ body: quoted(0xfe) }));
    expect(await request({ body: '\uFEFF{"a":1}' })).not.toBe(await request({ body: '{"a":1}' }));
    expect(await request({ body: "[1e400]" })).not.toBe(await request({ body: "[null]" }));
    expect(await request({ body: "[1e400]" })).not.toBe(await request({ body: "[1e401]" }));
  });

  it("survives JSON nested too deep to walk", async () => {
    const depth = 200_000;
    const body = "[".repeat(depth) + "]".repeat(depth);
    expect(await request({ body })).toMatch(/^[0-9a-f]{64}$/);
  });

  it("never collides when bytes move between path and body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        async (text, i, j) => {
          const a = i % (text.length + 1);
          const b = j % (text.length + 1);
          fc.pre(a !== b);
          const split = (at: number) =>
            request({
              pathWithQuery: text.slice(0, at),
              // A leading 0xFF is never UTF-8, so these bodies are compared as raw bytes.
              body: new Uint8Array([0xff, ...encoder.encode(text.slice(at))]),
            });
          expect(await split(a)).not.toBe(await split(b));
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it("never collides when bytes move between method and path", async () => {
    expect(await request({ method: "POS", pathWithQuery: "T/a" })).not.toBe(
      await request({ method: "POST", pathWithQuery: "/a" }),
    );
  });

  it("differs for different method, path or body triples", async () => {
    const triple = fc.record({
      method: fc.constantFrom("POST", "PATCH", "DELETE", "PUT"),
      pathWithQuery: fc.string({ maxLength: 20 }),
      body: fc.uint8Array({ maxLength: 20 }),
    });
    await fc.assert(
      fc.asyncProperty(triple, triple, async (x, y) => {
        const same =
          x.method === y.method &&
          x.pathWithQuery === y.pathWithQuery &&
          x.body.length === y.body.length &&
          x.body.every((byte, k) => byte === y.body[k]);
        fc.pre(!same);
        // A leading 0xFF keeps the bodies raw bytes (never UTF-8, so never canonicalised).
        const raw = (t: typeof x) => ({ ...t, body: new Uint8Array([0xff, ...t.body]) });
        const fx = await fingerprintRequest(raw(x));
        const fy = await fingerprintRequest(raw(y));
        expect(fx).not.toBe(fy);
      }),
      PROPERTY_RUNS,
    );
  });

  it("gives semantically equal JSON bodies the same fingerprint", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const compact = await request({ body: JSON.stringify(value) });
        const pretty = await request({ body: JSON.stringify(reverseKeys(value), null, 2) });
        expect(pretty).toBe(compact);
      }),
      PROPERTY_RUNS,
    );
  });
});
