// What the benchmark sends. Every arm of a scenario gets the same request (the floor and the
// origin ignore what they do not need), tagged per run with X-Test-Tag so the origin can say how
// many of them reached it and how many were in flight at once.
import type { BenchKey, BenchKeys } from "./accounts.ts";
import { malformedKey } from "./accounts.ts";
import { BENCH_TIERS } from "./policy.ts";

/** `baseline`: the gateway bundle of another commit (`--baseline=<ref>`), beside `gateway`. */
export type Arm =
  | "origin"
  | "floor"
  | "envelope"
  | "passthrough"
  | "admitted-floor"
  | "gateway"
  | "baseline"
  | "nginx";

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export type ScenarioKind = "admitted" | "latency" | "rejection" | "replay" | "overload";

export interface Scenario {
  id: string;
  title: string;
  kind: ScenarioKind;
  /** Arms in the timed rounds; empty: counted only. */
  arms: readonly Arm[];
  /** Overrides the run's connection count (the unloaded latency probe uses 1). */
  connections?: number;
  /** Statuses the gateway (and nginx) must answer; the floor always answers 200. */
  expected: readonly number[];
  /**
   * `run` numbers the timed runs of an arm, for per-run accounts (overload). `keys` are the
   * arm's own: the baseline arm's accounts are made through its own admin API.
   */
  request(keys: BenchKeys, arm: Arm, run: number): RequestSpec;
  /** Brings the gateway or nginx to the scenario's state before a run (untagged traffic). */
  prepare?: "fill_rate_window" | "store_idempotent_answer";
  /** The counting pass: Durable Object calls before the response, per request. */
  doCallsOnPath?: number;
  /** The counting pass: every Durable Object call, completion included, per request. */
  doCallsTotal?: number;
  /**
   * The counting pass, for reads admitted from leases (section 9): at most this many Durable
   * Object calls per request in all (renewals and reports included, on the path or not).
   */
  doCallsAtMost?: number;
  /** Requests in this scenario's counting pass, when it needs more than the run's default. */
  countingRequests?: number;
}

export const CREATE_BODY = JSON.stringify({ name: "bench", num_generations: 100, num_genes: 16 });
const OVERSIZED_BODY = JSON.stringify({ name: "bench", pad: "x".repeat(70 * 1024) });
export const REPLAY_KEY = "bench-replay-1";
/** How slow the origin is in the overload scenario. */
export const OVERLOAD_DELAY_MS = 100;

const auth = (key: BenchKey | string) => ({
  authorization: `Bearer ${typeof key === "string" ? key : key.key}`,
});
const json = { "content-type": "application/json" };
const fast = (headers: Record<string, string> = {}): RequestSpec => ({
  method: "GET",
  path: "/__test/fast",
  headers,
});

function overloadKey(keys: BenchKeys, arm: Arm, run: number): BenchKey {
  const key = keys.overload[arm === "nginx" ? 0 : run];
  if (key === undefined) throw new Error(`no overload account for run ${run}`);
  return key;
}

// The admitted floor does only the work the contract requires of an admitted proxied answer.
const PROXY_ARMS: readonly Arm[] = [
  "origin",
  "floor",
  "passthrough",
  "admitted-floor",
  "gateway",
  "nginx",
];
const EDGE_ARMS: readonly Arm[] = ["floor", "gateway", "nginx"];

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "admitted_get",
    title: "admitted proxied GET",
    kind: "admitted",
    arms: PROXY_ARMS,
    expected: [200],
    request: (keys) => fast(auth(keys.admitted)),
    // A busy key's plain reads are admitted from its lease (section 9).
    doCallsAtMost: 0.05,
    countingRequests: 400,
  },
  {
    id: "admitted_get_unloaded",
    title: "admitted proxied GET, 1 connection",
    kind: "latency",
    arms: PROXY_ARMS,
    connections: 1,
    expected: [200],
    request: (keys) => fast(auth(keys.admitted)),
  },
  {
    id: "busy_key_reads",
    title: "sustained load on one busy key (counted)",
    kind: "admitted",
    arms: [],
    expected: [200],
    request: (keys) => fast(auth(keys.busy)),
    doCallsAtMost: 0.05,
    countingRequests: 2_000,
  },
  {
    id: "rejection_401_missing",
    title: "401 missing key",
    kind: "rejection",
    // The envelope floor gives this very answer with nothing else around it.
    arms: ["floor", "envelope", "gateway", "nginx"],
    expected: [401],
    request: () => fast(),
    doCallsOnPath: 0,
    doCallsTotal: 0,
  },
  {
    id: "rejection_401_malformed",
    title: "401 malformed key (bad checksum)",
    kind: "rejection",
    arms: EDGE_ARMS,
    expected: [401],
    request: (keys) => fast(auth(malformedKey(keys.admitted.key))),
    doCallsOnPath: 0,
    doCallsTotal: 0,
  },
  {
    id: "rejection_401_unknown",
    title: "401 unknown well-formed key",
    kind: "rejection",
    arms: EDGE_ARMS,
    expected: [401],
    request: (keys) => fast(auth(keys.revoked)),
    doCallsOnPath: 0,
    doCallsTotal: 0,
  },
  {
    id: "rejection_403_scope",
    title: "403 scope (create with a read-only key)",
    kind: "rejection",
    arms: EDGE_ARMS,
    expected: [403],
    request: (keys) => ({
      method: "POST",
      path: "/v1/submissions",
      headers: { ...auth(keys.readonly), ...json },
      body: CREATE_BODY,
    }),
    doCallsOnPath: 0,
    doCallsTotal: 0,
  },
  {
    id: "rejection_400_query",
    title: "400 invalid list query",
    kind: "rejection",
    arms: ["floor", "gateway"],
    expected: [400],
    request: (keys) => ({
      method: "GET",
      path: "/v1/submissions?limit=0",
      headers: auth(keys.readonly),
    }),
    doCallsOnPath: 0,
    doCallsTotal: 0,
  },
  {
    id: "rejection_413_body",
    title: "413 create body over the limit",
    kind: "rejection",
    arms: [],
    expected: [413],
    request: (keys) => ({
      method: "POST",
      path: "/v1/submissions",
      headers: { ...auth(keys.create), ...json },
      body: OVERSIZED_BODY,
    }),
    doCallsOnPath: 0,
    doCallsTotal: 0,
  },
  {
    id: "rejection_429_rate",
    title: "429 rate limited",
    kind: "rejection",
    arms: EDGE_ARMS,
    expected: [429],
    request: (keys) => fast(auth(keys.tiny)),
    prepare: "fill_rate_window",
    // The first 429 (in the prepare step) comes from the account's object; after it the edge
    // knows the account is at its limit, and asks again at most about once a second (what an
    // isolate remembers of a full window lasts at most 1 s, section 10).
    doCallsAtMost: 0.05,
  },
  {
    id: "idempotent_replay",
    title: "idempotent replay",
    kind: "replay",
    arms: ["floor", "gateway"],
    expected: [201],
    request: (keys) => ({
      method: "POST",
      path: "/v1/submissions",
      headers: { ...auth(keys.replay), ...json, "idempotency-key": REPLAY_KEY },
      body: CREATE_BODY,
    }),
    prepare: "store_idempotent_answer",
    doCallsOnPath: 1,
    doCallsTotal: 1,
  },
  {
    id: "admitted_create",
    title: "admitted create (completion after the response)",
    kind: "admitted",
    arms: [],
    expected: [201],
    request: (keys) => ({
      method: "POST",
      path: "/v1/submissions",
      headers: { ...auth(keys.create), ...json },
      body: CREATE_BODY,
    }),
    doCallsOnPath: 1,
    doCallsTotal: 2,
  },
  {
    id: "overload_slow_origin",
    title: `overload: creates, origin ${OVERLOAD_DELAY_MS} ms slow`,
    kind: "overload",
    arms: ["gateway", "nginx"],
    expected: [201, 429],
    request: (keys, arm, run) => ({
      method: "POST",
      path: "/v1/submissions",
      headers: {
        ...auth(overloadKey(keys, arm, run)),
        ...json,
        "x-test-delay-ms": String(OVERLOAD_DELAY_MS),
      },
      body: CREATE_BODY,
    }),
  },
];

/** The in-flight limit the overload scenario's origin must never see exceeded. */
export const OVERLOAD_IN_FLIGHT_LIMIT = BENCH_TIERS.overload.in_flight;

export function expectedStatuses(scenario: Scenario, arm: Arm): readonly number[] {
  if (arm === "floor") return [200];
  if (arm === "envelope") return [401];
  if (arm === "origin" || arm === "passthrough" || arm === "admitted-floor") return [200];
  return scenario.expected;
}
