// Exactly one execution: any number of concurrent identical requests with one Idempotency-Key
// reach the origin once; every other answer is a 409 in progress or a byte-identical replay.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountObject } from "../support/account-object";
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

const CONCURRENCY = 50;
const ROUNDS = 3;

/** Sorts the answers of one burst; fails on anything that is neither of the allowed kinds. */
function classify(answers: GatewayResponse[]): {
  executed: GatewayResponse[];
  replayed: GatewayResponse[];
  inProgress: GatewayResponse[];
} {
  const executed: GatewayResponse[] = [];
  const replayed: GatewayResponse[] = [];
  const inProgress: GatewayResponse[] = [];
  for (const res of answers) {
    expect(res.status, `never a 5xx: ${res.text}`).toBeLessThan(500);
    if (res.status === 409) {
      expectInProgress(res);
      inProgress.push(res);
    } else if (res.headers.get("Idempotent-Replayed") === "true") {
      replayed.push(res);
    } else {
      executed.push(res);
    }
  }
  return { executed, replayed, inProgress };
}

/** `count` identical requests at once; each carries its own X-Request-Id. */
function burst(
  gw: GatewayHarness,
  account: TestAccount,
  path: string,
  options: { key: string; tag: string; body: unknown; count?: number; delayMs?: number },
): Promise<GatewayResponse[]> {
  const { key, tag, body, count = CONCURRENCY, delayMs = 300 } = options;
  return Promise.all(
    Array.from({ length: count }, () =>
      send(gw, account.key, path, {
        idempotencyKey: key,
        body,
        headers: {
          "X-Test-Delay-Ms": String(delayMs),
          "X-Test-Tag": tag,
          "X-Request-Id": uniqueId("burst"),
        },
      }),
    ),
  );
}

describe("concurrent identical requests with one Idempotency-Key", () => {
  it("reach a slow origin exactly once per key, round after round, and never answer a 5xx", {
    timeout: 30_000,
  }, async () => {
    const gw = gateway();
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh account per round: the free tier allows 5 creates in flight and 60 a minute.
      const account = await createAccount(gw);
      const tag = uniqueId(`idem-burst-${round}`);
      const key = freshKey();
      const answers = await burst(gw, account, "/v1/submissions", { key, tag, body: CREATE_BODY });
      const { executed, replayed, inProgress } = classify(answers);

      expect((await originStats(tag)).creates).toBe(1);
      expect(executed).toHaveLength(1);
      const [winner] = executed as [GatewayResponse];
      expect(winner.status).toBe(201);
      expect(replayed.length + inProgress.length).toBe(CONCURRENCY - 1);
      for (const replay of replayed) expectReplayOf(replay, winner);

      // Once it completed, a second wave is all replays of the winner's answer.
      const wave = await burst(gw, account, "/v1/submissions", {
        key,
        tag,
        body: CREATE_BODY,
        count: 10,
        delayMs: 0,
      });
      for (const replay of wave) expectReplayOf(replay, winner);
      expect((await originStats(tag)).creates).toBe(1);
    }
  });

  it("reach the origin exactly once on a route other than submission create", {
    timeout: 30_000,
  }, async () => {
    const gw = gateway();
    for (let round = 0; round < ROUNDS; round++) {
      const account = await createAccount(gw);
      const tag = uniqueId(`idem-other-${round}`);
      const answers = await burst(gw, account, "/__test/fast", {
        key: freshKey(),
        tag,
        body: { round },
      });
      const { executed, replayed, inProgress } = classify(answers);

      expect((await originStats(tag)).count).toBe(1);
      expect(executed).toHaveLength(1);
      const [winner] = executed as [GatewayResponse];
      expect(winner.status).toBe(200);
      expect(replayed.length + inProgress.length).toBe(CONCURRENCY - 1);
      for (const replay of replayed) expectReplayOf(replay, winner);
    }
  });

  it("let exactly one of two different requests racing on one key execute; the other gets 422", {
    timeout: 15_000,
  }, async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-race-mixed");
    const key = freshKey();
    const bodies = [CREATE_BODY, { ...CREATE_BODY, name: "the other run" }];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(gw, account.key, "/v1/submissions", {
          idempotencyKey: key,
          body: bodies[i % 2],
          headers: { "X-Test-Delay-Ms": "300", "X-Test-Tag": tag },
        }).then((res) => ({ res, variant: i % 2 })),
      ),
    );
    const winners = answers.filter(({ res }) => res.status === 201);
    expect(winners).toHaveLength(1);
    const winnerVariant = winners[0]?.variant;
    for (const { res, variant } of answers) {
      expect(res.status, res.text).toBeLessThan(500);
      if (res.status === 201) continue;
      if (variant === winnerVariant) expectInProgress(res);
      else expectMismatch(res);
    }
    expect((await originStats(tag)).creates).toBe(1);
  });

  it("loses nothing when the account's Durable Object is evicted mid-flight", {
    timeout: 15_000,
  }, async () => {
    const gw = gateway();
    const account = await createAccount(gw);
    const tag = uniqueId("idem-evict");
    const key = freshKey();
    const slow = { "X-Test-Delay-Ms": "400", "X-Test-Tag": tag };

    const first = send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
      headers: slow,
    });
    await untilAtOrigin(tag);
    await evictDurableObject(accountObject(account.accountId));

    // The claim was durable: a fresh instance still sees the key in progress.
    expectInProgress(
      await send(gw, account.key, "/v1/submissions", {
        idempotencyKey: key,
        body: CREATE_BODY,
        headers: slow,
      }),
    );

    const original = await first;
    expectExecuted(original);
    // The completion reached the new instance, so the answer was stored.
    const retry = await send(gw, account.key, "/v1/submissions", {
      idempotencyKey: key,
      body: CREATE_BODY,
    });
    expectReplayOf(retry, original);
    expect((await originStats(tag)).creates).toBe(1);
  });
});
