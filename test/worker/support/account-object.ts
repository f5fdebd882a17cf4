// The account's Durable Object as the tests reach it: its stub, its clock, and its live usage
// through the admin API.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AccountCoordinator } from "../../../src/account/account-coordinator";
import type { AccountUsage } from "../../../src/account/types";
import type { Clock } from "../../../src/clock";
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
