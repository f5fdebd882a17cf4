// A bounded loopback load run (contract sections 5 and 8): waves of every kind of request at once
// (reads, creates with and without Idempotency-Key, repeated keys, bad keys, scope and
// validation failures, malformed keys) against two free accounts pushed past their limits, with
// the account clocks held inside one minute. Zero 5xx; exact limits; nothing lost: every admitted
// create reached the origin once and every stored answer replays byte for byte.
import { describe, expect, it } from "vitest";
import { tables, usage } from "../support/account-object";
import { addKey, createAccount, type TestAccount } from "../support/accounts";
import { expectEnvelope } from "../support/envelope";
import {
  bearer,
  type GatewayHarness,
  type GatewayResponse,
  gateway,
  ManualClock,
  originStats,
  uniqueId,
} from "../support/gateway";
import { create } from "../support/requests";
import { originSubmissions } from "./hostile-support";

const WAVES = 4;
const FREE = { perMinute: 60, inFlight: 5 };

type Kind =
  | "read"
  | "create"
  | "create_idempotent"
  | "create_repeat"
  | "bad_key"
  | "scope"
  | "invalid_body"
  | "tier_cap"
  | "bad_idempotency_key";

/** What one wave sends per account, by kind. */
const WAVE: [Kind, number][] = [
  ["read", 20],
  ["create", 5],
  ["create_idempotent", 5],
  ["create_repeat", 4],
  ["bad_key", 4],
  ["scope", 4],
  ["invalid_body", 3],
  ["tier_cap", 3],
  ["bad_idempotency_key", 3],
];

/** The answers each kind may get; anything else (and any 5xx) fails the run. */
const ALLOWED: Record<Kind, Set<string>> = {
  read: new Set(["200", "429 rate_limited"]),
  create: new Set(["201", "429 rate_limited", "429 too_many_active_api_requests"]),
  create_idempotent: new Set([
    "201",
    "201 replayed",
    "409 idempotency_key_in_progress",
    "429 rate_limited",
    "429 too_many_active_api_requests",
  ]),
  create_repeat: new Set([
    "201",
    "201 replayed",
    "409 idempotency_key_in_progress",
    "429 rate_limited",
    "429 too_many_active_api_requests",
  ]),
  bad_key: new Set(["401 invalid_credentials"]),
  scope: new Set(["403 scope_required"]),
  invalid_body: new Set(["400 invalid_body"]),
  tier_cap: new Set(["403 tier_limit_exceeded"]),
  bad_idempotency_key: new Set(["400 invalid_parameter"]),
};

interface Sent {
  kind: Kind;
  key: string | null;
  res: GatewayResponse;
}

interface Client {
  account: TestAccount;
  readOnlyKey: string;
  createTag: string;
  readTag: string;
  sent: Sent[];
}

function one(
  gw: GatewayHarness,
  client: Client,
  kind: Kind,
  wave: number,
  i: number,
): Promise<Sent> {
  const { account } = client;
  const creates = { "X-Test-Tag": client.createTag, "X-Test-Delay-Ms": "100" };
  const send = (key: string | null, res: Promise<GatewayResponse>) =>
    res.then((r) => ({ kind, key, res: r }));
  switch (kind) {
    case "read":
      return send(
        null,
        gw.fetch("/v1/submissions?limit=5", {
          headers: { ...bearer(account.key), "X-Test-Tag": client.readTag },
        }),
      );
    case "create":
      return send(null, create(gw, account.key, creates));
    case "create_idempotent": {
      const key = `load-${wave}-${i}`;
      return send(key, create(gw, account.key, { ...creates, "Idempotency-Key": key }));
    }
    case "create_repeat": {
      // The same keys as the idempotent creates of this wave and the one before.
      const key = `load-${Math.max(0, wave - (i % 2))}-${i}`;
      return send(key, create(gw, account.key, { ...creates, "Idempotency-Key": key }));
    }
    case "bad_key":
      return send(null, create(gw, `${account.key.slice(0, -2)}zz`, creates));
    case "scope":
      return send(null, create(gw, client.readOnlyKey, creates));
    case "invalid_body":
      return send(null, create(gw, account.key, creates, '{"num_generations": "ten"'));
    case "tier_cap":
      return send(null, create(gw, account.key, creates, JSON.stringify({ num_genes: 4096 })));
    case "bad_idempotency_key":
      return send(null, create(gw, account.key, { ...creates, "Idempotency-Key": "bad\u0001key" }));
  }
}

function outcome(res: GatewayResponse): string {
  if (res.status < 400) {
    return res.headers.get("Idempotent-Replayed") === "true"
      ? `${res.status} replayed`
      : String(res.status);
  }
  return `${res.status} ${res.json?.error?.code}`;
}

describe("mixed load against accounts at their limits", () => {
  it("answers no 5xx, holds the exact limits and loses nothing", { timeout: 30_000 }, async () => {
    const clock = new ManualClock();
    const gw = gateway({ clock });
    const clients: Client[] = [];
    for (let n = 0; n < 2; n++) {
      const account = await createAccount(gw, { clock });
      clients.push({
        account,
        readOnlyKey: (await addKey(gw, account.accountId, { scopes: ["submissions:read"] })).key,
        createTag: uniqueId("load-create"),
        readTag: uniqueId("load-read"),
        sent: [],
      });
    }

    for (let wave = 0; wave < WAVES; wave++) {
      const requests = clients.flatMap((client) =>
        WAVE.flatMap(([kind, count]) =>
          Array.from({ length: count }, (_, i) =>
            one(gw, client, kind, wave, i).then((sent) => client.sent.push(sent)),
          ),
        ),
      );
      await Promise.all(requests);
      // Time moves, but the whole run stays inside one rolling minute.
      clock.advance(5_000);
    }

    const checked: [Client, Awaited<ReturnType<typeof usage>>][] = [];
    for (const client of clients) {
      const { account, sent } = client;
      for (const { kind, res } of sent) {
        expect(res.status, res.text).toBeLessThan(500);
        expect(ALLOWED[kind].has(outcome(res)), `${kind}: ${outcome(res)}`).toBe(true);
        if (res.status >= 400) expectEnvelope(res, res.status);
      }

      // Admitted = answered by the origin (not replayed). Exactly the per-minute limit, since
      // demand was far above it, and the object counted exactly those.
      const admitted = sent.filter(({ res }) => outcome(res) === "200" || outcome(res) === "201");
      expect(admitted).toHaveLength(FREE.perMinute);
      const now = await usage(gw, account.accountId);
      expect(now.minute.used).toBe(FREE.perMinute);
      expect(sent.some(({ res }) => outcome(res) === "429 rate_limited")).toBe(true);

      // Creates: never more than five in flight at the origin, each admitted one reached it
      // exactly once, and all five are held (the origin has not reported them finished).
      const created = sent.filter(({ res }) => outcome(res) === "201");
      const ids = created.map(({ res }) => res.json.id as string).sort();
      expect(new Set(ids).size).toBe(ids.length);
      expect(created).toHaveLength(FREE.inFlight);
      const stats = await originStats(client.createTag);
      expect(stats.creates).toBe(created.length);
      expect(stats.max_in_flight).toBeLessThanOrEqual(FREE.inFlight);
      expect((await originStats(client.readTag)).count).toBe(admitted.length - created.length);
      expect(now.active.submissions.sort()).toEqual(ids);
      expect(now.daily.used).toBe(created.length);
      checked.push([client, now]);
    }

    // A minute later there is room to look at the origin's records and replay.
    clock.advance(60_000);
    for (const [client, now] of checked) {
      const { account, sent } = client;
      expect((await originSubmissions(gw, account)).sort()).toEqual(now.active.submissions.sort());

      // Nothing is left in progress, and every stored answer replays byte for byte.
      expect(
        (await tables(account.accountId)).idempotency.every((row) => row.state === "completed"),
      ).toBe(true);
      const answered = new Map<string, string>();
      for (const { key, res } of sent) {
        if (key !== null && res.status === 201) answered.set(key, res.text);
      }
      for (const [key, text] of answered) {
        const replay = await create(gw, account.key, { "Idempotency-Key": key });
        expect(replay.headers.get("Idempotent-Replayed"), key).toBe("true");
        expect(replay.text).toBe(text);
      }
    }
  });
});
