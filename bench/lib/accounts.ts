// The accounts and keys every scenario uses, made through the gateway's own admin API at the
// start of each run (one set per gateway service: the timed one, the counted one and the
// baseline keep separate Durable Objects and KV).
import type { BENCH_TIERS } from "./policy.ts";

export interface BenchKey {
  accountId: string;
  keyId: string;
  key: string;
}

export interface BenchKeys {
  /** bench tier, read+write: the admitted path. */
  admitted: BenchKey;
  /** bench tier, read only: 403 on creates, 400 on a bad list query. */
  readonly: BenchKey;
  /** Created, then revoked: well-formed, checksum valid, unknown to KV. */
  revoked: BenchKey;
  /** tiny tier (1 per minute): 429 rate_limited once its window is full. */
  tiny: BenchKey;
  /** bench tier: the idempotent replay. */
  replay: BenchKey;
  /**
   * overload tier (5 in flight): creates against a slow origin, one account per timed run. A
   * run's end cuts requests mid-way, and a slot whose request died is held until the origin
   * timeout has passed (GATEWAY.md section 5), so no run inherits another's slots.
   */
  overload: BenchKey[];
  /** bench tier: admitted creates and the 413, in the counting pass. */
  create: BenchKey;
  /** bench tier: one busy key's sustained reads, in the counting pass (leases, section 9). */
  busy: BenchKey;
}

const READ_WRITE = ["submissions:read", "submissions:write"];

/** Account ids of the gateway arms: `bench-admitted`, `bench-overload-0`, ... */
export const GATEWAY_ACCOUNT_PREFIX = "bench-";
/**
 * Account ids of the baseline arm. They differ from the gateway's because the origin reports
 * finished submissions by account id (bench/lib/release-router.ts sends each to its own arm);
 * the same ids would free the baseline's in-flight slots on the gateway, and the origin would
 * keep one account's credits and idempotency records for both arms.
 */
export const BASELINE_ACCOUNT_PREFIX = "baseline-";

async function admin(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/_gateway/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function accountWithKey(
  baseUrl: string,
  token: string,
  accountId: string,
  tier: keyof typeof BENCH_TIERS | "free",
  scopes: string[],
): Promise<BenchKey> {
  await admin(baseUrl, token, "POST", "/accounts", { id: accountId, tier });
  const created = await admin(baseUrl, token, "POST", "/keys", {
    account_id: accountId,
    scopes,
    name: "bench",
  });
  if (typeof created.id !== "string" || typeof created.key !== "string") {
    throw new Error(`admin POST /keys answered without id/key: ${JSON.stringify(created)}`);
  }
  return { accountId, keyId: created.id, key: created.key };
}

export async function createBenchKeys(
  baseUrl: string,
  token: string,
  overloadAccounts: number,
  accountPrefix = GATEWAY_ACCOUNT_PREFIX,
): Promise<BenchKeys> {
  const make = (id: string, tier: keyof typeof BENCH_TIERS, scopes = READ_WRITE) =>
    accountWithKey(baseUrl, token, `${accountPrefix}${id}`, tier, scopes);
  const keys: BenchKeys = {
    admitted: await make("admitted", "bench"),
    readonly: await make("readonly", "bench", ["submissions:read"]),
    revoked: await make("revoked", "bench"),
    tiny: await make("tiny", "tiny"),
    replay: await make("replay", "bench"),
    overload: [],
    create: await make("create", "bench"),
    busy: await make("busy", "bench"),
  };
  for (let i = 0; i < overloadAccounts; i++)
    keys.overload.push(await make(`overload-${i}`, "overload"));
  await admin(baseUrl, token, "DELETE", `/keys/${encodeURIComponent(keys.revoked.keyId)}`);
  return keys;
}

/** A key of the right shape whose checksum does not match: rejected with no lookup at all. */
export function malformedKey(key: string): string {
  // A digit, so it differs from the original even case-insensitively (nginx's map is).
  const last = key.at(-1);
  return `${key.slice(0, -1)}${last === "0" ? "1" : "0"}`;
}
