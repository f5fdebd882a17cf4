// Contract sections 2, 5 step 4, 6 and 6a: body and query validation answered at the edge —
// 400 `invalid_body` / `invalid_parameter` naming the field, 413 on bytes actually read (with or
// without Content-Length) — with no Durable Object call and nothing sent to the origin.
import { describe, expect, it } from "vitest";
import { createAccount } from "../support/accounts";
import { countingStorage } from "../support/counting-storage";
import { expectEnvelope } from "../support/envelope";
import { bearer, GATEWAY, gateway, originStats, uniqueId } from "../support/gateway";

const SUBMISSION_LIMIT = 64 * 1024;
const DEFAULT_LIMIT = 1024 * 1024;

/** A JSON submission body of exactly `bytes` bytes. */
function paddedSubmission(bytes: number): string {
  const shell = '{"num_generations":5,"pad":""}';
  return `{"num_generations":5,"pad":"${"x".repeat(bytes - shell.length)}"}`;
}

/** A body with no Content-Length: a stream, sent chunked. */
function streamed(text: string, chunkSize = 4096): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

async function setup() {
  const account = await createAccount(gateway());
  const counting = countingStorage();
  const gw = gateway({ vars: counting.vars });
  const testTag = uniqueId("validation");
  const post = (body: BodyInit, extra: Record<string, string> = {}) =>
    gw.fetch("/v1/submissions", {
      method: "POST",
      headers: {
        ...bearer(account.key),
        "Content-Type": "application/json",
        "X-Test-Tag": testTag,
        ...extra,
      },
      body,
    });
  const list = (query: string) =>
    gw.fetch(`/v1/submissions${query}`, {
      headers: { ...bearer(account.key), "X-Test-Tag": testTag },
    });
  /** Nothing of what this test sent reached the Durable Object or the origin. */
  async function nothingPassed(): Promise<void> {
    expect(counting.counters.doCalls).toEqual([]);
    expect((await originStats(testTag)).count).toBe(0);
  }
  return { account, gw, post, list, testTag, counting, nothingPassed };
}

describe("submission body", () => {
  it("answers invalid_body without a field when the body is not JSON", async () => {
    const { post, nothingPassed } = await setup();
    for (const body of ['{"num_generations":', "not json", "", "{'a':1}", '{"a":1}}']) {
      expectEnvelope(await post(body), 400, "invalid_body", {});
    }
    expectEnvelope(await post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, "invalid_body", {});
    await nothingPassed();
  });

  it("answers invalid_body when the JSON is not an object", async () => {
    const { post, nothingPassed } = await setup();
    for (const body of ["[]", "[1]", '"text"', "42", "null", "true"]) {
      const res = await post(body);
      expectEnvelope(res, 400, "invalid_body");
      expect(res.json.error.details.field).toBeUndefined();
    }
    await nothingPassed();
  });

  it("names num_generations / num_genes when they are not positive integers", async () => {
    const { post, nothingPassed } = await setup();
    const bad = ["0", "-1", "1.5", '"10"', "9007199254740992", "null", "true", "[5]", "1e400"];
    for (const value of bad) {
      for (const field of ["num_generations", "num_genes"]) {
        const res = await post(`{"${field}":${value}}`);
        expect({ field, value, status: res.status }).toEqual({ field, value, status: 400 });
        expectEnvelope(res, 400, "invalid_body", { field });
      }
    }
    await nothingPassed();
  });

  it("accepts positive integers, including ones written with an exponent or a .0", async () => {
    const { post, testTag } = await setup();
    for (const body of ['{"num_generations":1}', '{"num_generations":1e2}', '{"num_genes":2.0}']) {
      const res = await post(body);
      expect(res.status, `${body} → ${res.text}`).toBe(201);
    }
    expect((await originStats(testTag)).count).toBe(3);
  });
});

describe("body size", () => {
  it("answers 413 for a submission body over 64 KiB declared by Content-Length", async () => {
    const { post, nothingPassed } = await setup();
    const body = paddedSubmission(SUBMISSION_LIMIT + 1);
    const res = await post(body, { "Content-Length": String(body.length) });
    expectEnvelope(res, 413, "invalid_body", {
      reason: "body_too_large",
      limit_bytes: SUBMISSION_LIMIT,
    });
    await nothingPassed();
  });

  it("answers 413 for a chunked submission body over 64 KiB, counted on the bytes read", async () => {
    const { account, gw, testTag, nothingPassed } = await setup();
    const request = new Request(`${GATEWAY}/v1/submissions`, {
      method: "POST",
      headers: {
        ...bearer(account.key),
        "Content-Type": "application/json",
        "X-Test-Tag": testTag,
      },
      body: streamed(paddedSubmission(SUBMISSION_LIMIT + 1)),
    });
    expect(request.headers.get("Content-Length")).toBeNull();
    const res = await gw.fetch("/v1/submissions", {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    expectEnvelope(res, 413, "invalid_body", {
      reason: "body_too_large",
      limit_bytes: SUBMISSION_LIMIT,
    });
    await nothingPassed();
  });

  it("accepts a submission body of exactly 64 KiB, with and without Content-Length", async () => {
    const { post, testTag } = await setup();
    const exact = paddedSubmission(SUBMISSION_LIMIT);
    expect(new TextEncoder().encode(exact).length).toBe(SUBMISSION_LIMIT);
    expect((await post(exact, { "Content-Length": String(exact.length) })).status).toBe(201);
    expect((await post(streamed(exact))).status).toBe(201);
    expect((await originStats(testTag)).creates).toBe(2);
  });

  it("answers 413 with the default 1 MiB limit on other routes when Content-Length declares more", async () => {
    const { account, gw, testTag, nothingPassed } = await setup();
    const res = await gw.fetch("/v1/other-upload", {
      method: "PUT",
      headers: {
        ...bearer(account.key),
        "X-Test-Tag": testTag,
        "Content-Length": String(DEFAULT_LIMIT + 1),
      },
      body: "x".repeat(DEFAULT_LIMIT + 1),
    });
    expectEnvelope(res, 413, "invalid_body", {
      reason: "body_too_large",
      limit_bytes: DEFAULT_LIMIT,
    });
    await nothingPassed();
  });
});

describe("list query", () => {
  it("answers invalid_parameter naming limit for a limit outside 1–100 or not an integer", async () => {
    const { list, nothingPassed } = await setup();
    for (const query of [
      "?limit=0",
      "?limit=101",
      "?limit=abc",
      "?limit=1.0",
      "?limit=-1",
      "?limit=1e2",
      "?limit=%205",
      "?limit=5&limit=6",
      "?limit=5&limit=5",
    ]) {
      const res = await list(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expectEnvelope(res, 400, "invalid_parameter", { field: "limit" });
    }
    await nothingPassed();
  });

  it("answers invalid_parameter naming cursor for a cursor over 256 characters or repeated", async () => {
    const { list, nothingPassed } = await setup();
    expectEnvelope(await list(`?cursor=${"c".repeat(257)}`), 400, "invalid_parameter", {
      field: "cursor",
    });
    expectEnvelope(await list("?cursor=a&cursor=b"), 400, "invalid_parameter", {
      field: "cursor",
    });
    await nothingPassed();
  });

  it("passes limits 1 and 100 and a 256-character cursor to the origin", async () => {
    const { list, testTag } = await setup();
    for (const query of ["?limit=1", "?limit=100", ""]) {
      const res = await list(query);
      expect(res.status, `${query}: ${res.text}`).toBe(200);
    }
    // The origin judges the cursor itself (it rejects one it never issued); the gateway passes it.
    await list(`?cursor=${"c".repeat(256)}`);
    expect((await originStats(testTag)).count).toBe(4);
  });
});

describe("Idempotency-Key", () => {
  it("answers invalid_parameter naming Idempotency-Key for a malformed key", async () => {
    const { post, nothingPassed } = await setup();
    for (const key of ["k".repeat(256), '""']) {
      expectEnvelope(await post("{}", { "Idempotency-Key": key }), 400, "invalid_parameter", {
        field: "Idempotency-Key",
      });
    }
    await nothingPassed();
  });
});

describe("order of checks", () => {
  it("answers 401 before validation and 403 before validation", async () => {
    const { account, gw, testTag } = await setup();
    const noKey = await gw.fetch("/v1/submissions", { method: "POST", body: "not json" });
    expectEnvelope(noKey, 401, "missing_credentials", {});
    const readOnlyAccount = await createAccount(gateway(), { scopes: ["submissions:read"] });
    const noScope = await gw.fetch("/v1/submissions", {
      method: "POST",
      headers: { ...bearer(readOnlyAccount.key), "X-Test-Tag": testTag },
      body: "not json",
    });
    expectEnvelope(noScope, 403, "scope_required", { required_scope: "submissions:write" });
    const badChecksum = `${account.key.slice(0, -1)}${account.key.endsWith("0") ? "1" : "0"}`;
    const badQuery = await gw.fetch("/v1/submissions?limit=0", { headers: bearer(badChecksum) });
    expectEnvelope(badQuery, 401, "invalid_credentials", {});
    expect((await originStats(testTag)).count).toBe(0);
  });
});
