import type { AdminApi } from "./api";
import type { Account, AccountLimits, Whoami } from "./api-types";

/** What every view is given: the API with the session's credential, and what it may do. */
export interface ConsoleContext {
  readonly api: AdminApi;
  readonly who: Whoami;
  /** The credential holds admin:write: mutating controls are shown. */
  readonly canWrite: boolean;
}

/** A view's element, and what to stop when the operator leaves it (timers). */
export interface View {
  readonly element: HTMLElement;
  /** Focused when the view is shown: its heading. */
  readonly heading: HTMLElement;
  dispose?(): void;
}

export function accountHash(id: string): string {
  return `#/accounts/${encodeURIComponent(id)}`;
}

const LIMIT_NAMES: ReadonlyArray<keyof AccountLimits> = ["per_minute", "per_day", "in_flight"];

/** An account's own limits, the ones that replace its tier's: "per_minute 120, in_flight 3". */
export function overridesText(account: Pick<Account, "limits">): string {
  const own = LIMIT_NAMES.filter((name) => account.limits[name] !== null).map(
    (name) => `${name} ${account.limits[name]}`,
  );
  return own.length === 0 ? "none (tier's limits)" : own.join(", ");
}
