import type { GatewayConfig } from "../config/config";
import type { AccountCoordinator } from "./account-object";
import type { AccountTerms } from "./contract";

/** The Durable Object of one account: the coordination unit for everything it owns. */
export type AccountStub = DurableObjectStub<AccountCoordinator>;

export function accountStub(
  namespace: DurableObjectNamespace<AccountCoordinator>,
  accountId: string,
): AccountStub {
  return namespace.get(namespace.idFromName(accountId));
}

/** Past the origin timeout, how long a pending slot or idempotency lock is still kept. */
export const COMPLETION_MARGIN_MS = 5_000;

const terms = new WeakMap<GatewayConfig, AccountTerms>();

/** What every call to an account's object carries from this configuration (built once). */
export function accountTerms(config: GatewayConfig): AccountTerms {
  let found = terms.get(config);
  if (found === undefined) {
    found = {
      tiers: config.policy.tiers,
      lockMs: config.originTimeoutMs + COMPLETION_MARGIN_MS,
    };
    terms.set(config, found);
  }
  return found;
}
