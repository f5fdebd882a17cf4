import type { Bindings } from "../env";
import type { AccountCoordinator } from "./account-coordinator";

/** The Durable Object of one account: the coordination unit for everything it owns. */
export function accountStub(
  env: Bindings,
  accountId: string,
): DurableObjectStub<AccountCoordinator> {
  return env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId));
}
