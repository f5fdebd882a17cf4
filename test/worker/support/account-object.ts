// The account's Durable Object as the tests reach it: its stub, its clock, the terms the Worker
// gives each call, its live usage through the admin API, and its raw tables straight from
// SQLite (no lazy expiry on the way).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AccountCoordinator } from "../../../src/account/account-object";
import { accountTerms, COMPLETION_MARGIN_MS } from "../../../src/account/client";
import type { AccountTerms, AccountUsage } from "../../../src/account/contract";
import type { Clock } from "../../../src/clock";
import { configFor } from "../../../src/config/config";
import type { Bindings } from "../../../src/env";
import { adminHeaders, type GatewayHarness } from "./gateway";

/** How long a pending slot or idempotency lock lives: the origin timeout of the tests'
 * environment (2000 ms, vitest.config.ts) plus the object's completion margin (5 s). */
export const LOCK_MS = configFor(env as Bindings).originTimeoutMs + COMPLETION_MARGIN_MS;

export function accountObject(accountId: string): DurableObjectStub<AccountCoordinator> {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId));
}

/** Makes the account's object read `clock` (before its first admission, again after eviction). */
export async function useClock(accountId: string, clock: Clock): Promise<void> {
  await runInDurableObject(accountObject(accountId), (instance: AccountCoordinator) => {
    instance.clock = clock;
  });
}

/** Live usage from the admin API (contract section 6a). */
export async function usage(gw: GatewayHarness, accountId: string): Promise<AccountUsage> {
  const res = await gw.fetch(`/_gateway/admin/accounts/${accountId}`, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return res.json.usage as AccountUsage;
}

/** What the Worker's configuration gives each call to an account's object (the tests' env). */
export function testTerms(): AccountTerms {
  return accountTerms(configFor(env as Bindings));
}

/** The object's slots and idempotency records (key and state). */
export async function tables(accountId: string): Promise<{
  slots: { submission_id: string | null }[];
  idempotency: { key: string; state: string }[];
}> {
  return runInDurableObject(accountObject(accountId), (_instance, state) => ({
    slots: state.storage.sql
      .exec<{ submission_id: string | null }>("SELECT submission_id FROM slots")
      .toArray()
      .map((row) => ({ ...row })),
    idempotency: state.storage.sql
      .exec<{ key: string; state: string }>("SELECT key, state FROM idempotency ORDER BY key")
      .toArray()
      .map((row) => ({ ...row })),
  }));
}

/** The object's idempotency records with the status of each stored answer. */
export function idempotencyRows(
  accountId: string,
): Promise<{ key: string; state: string; status: number | null }[]> {
  return runInDurableObject(accountObject(accountId), (_instance, state) =>
    state.storage.sql
      .exec<{ key: string; state: string; status: number | null }>(
        "SELECT key, state, status FROM idempotency ORDER BY key",
      )
      .toArray()
      .map((row) => ({ ...row })),
  );
}

/** How many rows the object's slot table holds. */
export async function slotCount(accountId: string): Promise<number> {
  return runInDurableObject(accountObject(accountId), (_instance, state) => {
    return state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM slots").one().n;
  });
}
