// Counting wrappers around KV and the Durable Object namespace, to prove which requests touch
// storage: `gateway({ vars: countingStorage().vars })`.
import { env } from "cloudflare:workers";

export interface StorageCounters {
  kvGets: number;
  kvOther: number;
  doGets: number;
  doCalls: string[];
}

/**
 * KV and Durable Object namespace wrappers that count every operation, for
 * `gateway({ vars: { KEYS, ACCOUNTS } })`. Methods are applied to the real objects so the
 * runtime's bindings keep working.
 */
export function countingStorage(): {
  counters: StorageCounters;
  vars: { KEYS: KVNamespace; ACCOUNTS: typeof env.ACCOUNTS };
} {
  const counters: StorageCounters = { kvGets: 0, kvOther: 0, doGets: 0, doCalls: [] };
  const realKv = env.KEYS;
  const KEYS = new Proxy(realKv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "get" || prop === "getWithMetadata") counters.kvGets += 1;
        else counters.kvOther += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
  const realNs = env.ACCOUNTS;
  const wrapStub = (stub: object): object =>
    new Proxy(stub, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function" || prop === "then") return value;
        return (...args: unknown[]) => {
          counters.doCalls.push(String(prop));
          return Reflect.apply(value, target, args);
        };
      },
    });
  const ACCOUNTS = new Proxy(realNs, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = Reflect.apply(value, target, args);
        if (prop === "get" || prop === "getByName") {
          counters.doGets += 1;
          return wrapStub(result as object);
        }
        return result;
      };
    },
  });
  return { counters, vars: { KEYS, ACCOUNTS } };
}
