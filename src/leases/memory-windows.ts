import { RollingWindow } from "../limits/rolling-window";
import type { BankWindows } from "./lease-bank";

/** The bank's windows in memory: the account's, and one per key that was ever admitted. */
export class MemoryWindows implements BankWindows {
  readonly account = new RollingWindow();
  private readonly keys = new Map<string, RollingWindow>();

  key(keyId: string): RollingWindow {
    let window = this.keys.get(keyId);
    if (window === undefined) {
      window = new RollingWindow();
      this.keys.set(keyId, window);
    }
    return window;
  }

  record(keyId: string, at: number, units: number): void {
    this.account.add(at, units);
    this.key(keyId).add(at, units);
  }

  unrecord(keyId: string, at: number, units: number): void {
    this.account.remove(at, units);
    this.key(keyId).remove(at, units);
  }
}
