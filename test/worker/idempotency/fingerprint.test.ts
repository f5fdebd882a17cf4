// The fingerprint behind a key: method, path with query, and body (canonical JSON for JSON
// bodies); never a header. A key reused for a different request is a 422, on every path.
import { describe, expect, it } from "vitest";
import { usage } from "../support/account-object";
import {
  createAccount,
  type GatewayHarness,
  type GatewayResponse,
  gateway,
  originStats,
  type TestAccount,
  uniqueId,
} from "../support/gateway";
import {
  CREATE_BODY,
  expectExecuted,
  expectInProgress,
  expectMismatch,
  expectReplayOf,
  freshKey,
  send,
  untilInFlight,
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
    const res = await send(gw, account, path, { key, body });
    expect(res.status, `different ${what}`).toBe(422);
    expectMismatch(res);
  }
  expectMismatch(
    await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY, method: "PATCH" }),
  );
}

describe("the idempotency fingerprint", () => {
  it("treats key order and whitespace of a JSON body as the same request", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const original = await send(gw, account, "/v1/submissions", {
      key,
      body: '{"name":"idem","num_generations":10,"num_genes":4}',
    });
    expectExecuted(original);

    const reordered = await send(gw, account, "/v1/submissions", {
      key,
      body: '{\n  "num_genes": 4,\n\t"num_generations" : 10 ,  "name":"idem"\n}\n',
    });
    expectReplayOf(reordered, original);
  });

  it("answers 422 idempotency_key_mismatch for a different body, path, query or method after completion", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-mismatch");
    const key = freshKey();
    const original = await send(gw, account, "/v1/submissions", {
      key,
      body: CREATE_BODY,
      headers: { "X-Test-Tag": tag },
    });
    expectExecuted(original);
    const before = await usage(gw, account.accountId);

    await expectAllVariantsMismatch(gw, account, key);

    // Mismatches consumed nothing and left the stored answer alone.
    expect(await usage(gw, account.accountId)).toEqual(before);
    expectReplayOf(
      await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }),
      original,
    );
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("checks the fingerprint of a stored record before replaying it (regression)", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    expectExecuted(await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }));

    const other = await send(gw, account, "/v1/submissions", {
      key,
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

    const first = send(gw, account, "/v1/submissions", { key, body: CREATE_BODY, headers: slow });
    await untilInFlight(tag);

    await expectAllVariantsMismatch(gw, account, key);
    expectInProgress(await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }));

    const original = await first;
    expectExecuted(original);
    await expectAllVariantsMismatch(gw, account, key);
    expectReplayOf(
      await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }),
      original,
    );
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("answers 422 for PATCH after POST with one key on the same path and body", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const body = { op: "touch" };
    const post = await send(gw, account, "/__test/echo/x", { key, body });
    expectExecuted(post, 200);
    expect(post.json.method).toBe("POST");

    expectMismatch(await send(gw, account, "/__test/echo/x", { key, body, method: "PATCH" }));
    expectMismatch(await send(gw, account, "/__test/echo/x", { key, body, method: "DELETE" }));
    expectReplayOf(await send(gw, account, "/__test/echo/x", { key, body }), post);
  });

  it("covers no header: a request differing only in headers is a replay", async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-headers");
    const key = freshKey();
    const original = await send(gw, account, "/v1/submissions", {
      key,
      body: CREATE_BODY,
      headers: { "X-Foo": "one", "X-Test-Tag": tag, "X-Request-Id": "headers-1" },
    });
    expectExecuted(original);

    const replay = await send(gw, account, "/v1/submissions", {
      key,
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
    const original = await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY });
    expectExecuted(original);
    expectReplayOf(
      await send(gw, account, "//v1//submissions/", { key, body: CREATE_BODY }),
      original,
    );
  });

  it('treats the quoted "abc" and the bare abc as the same key', async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const key = freshKey();
    const quoted = await send(gw, account, "/v1/submissions", {
      key: `"${key}"`,
      body: CREATE_BODY,
    });
    expectExecuted(quoted);
    expectReplayOf(await send(gw, account, "/v1/submissions", { key, body: CREATE_BODY }), quoted);
    // Surrounding spaces are not part of the key either.
    expectReplayOf(
      await send(gw, account, "/v1/submissions", { key: `  ${key}\t`, body: CREATE_BODY }),
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
      const res = await send(gw, account, "/v1/submissions", {
        key,
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
