// The account's Durable Object as the tests reach it: its stub, its clock, and its live usage
// through the admin API.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AccountCoordinator } from "../../../src/account/account-object";
import { accountTerms } from "../../../src/account/client";
import type { AccountTerms, AccountUsage } from "../../../src/account/contract";
import type { Clock } from "../../../src/clock";
import { configFor } from "../../../src/config/config";
import type { Bindings } from "../../../src/env";
import { adminHeaders, type GatewayHarness } from "./gateway";

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
