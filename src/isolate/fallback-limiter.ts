import { RollingWindow } from "../limits/rolling-window";

/**
 * Used only when an account's Durable Object cannot be reached and the request is a plain read
 * (contract section 5): an isolate-local rolling window with the tier's limit, so failing open
 * is still bounded per isolate. Every pass is logged by the caller.
 */
export class FallbackLimiter {
  private readonly windows = new Map<string, RollingWindow>();

  constructor(private readonly maxAccounts = 10_000) {}

  tryAdmit(accountId: string, limit: number, now: number): boolean {
    let window = this.windows.get(accountId);
    if (window === undefined) {
      if (this.windows.size >= this.maxAccounts) this.windows.clear();
      window = new RollingWindow();
      this.windows.set(accountId, window);
    }
    if (window.used(now) >= limit) return false;
    window.add(now, 1);
    return true;
  }
}
