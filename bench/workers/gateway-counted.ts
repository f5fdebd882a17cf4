// BENCH-ONLY ENTRY, never deployed: the unmodified production bundle of the gateway, with its
// ACCOUNTS (Durable Object) and KEYS (KV) bindings wrapped in counting proxies. The timed
// gateway arm runs the bundle without this wrapper; this entry serves only the counting pass,
// which sends requests one at a time so every call is attributed to the request in progress.
//
//   GET  /__bench/counts   the counts so far
//   POST /__bench/counts   the counts so far, then reset to zero
import gateway, { AccountCoordinator, AdminDirectory } from "./gateway-bundle.js";

export { AccountCoordinator, AdminDirectory };

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

// Reflect.apply, not method.apply: on an RPC stub, `apply` would be a remote method name.
type Callable = (...args: unknown[]) => unknown;

interface Counts {
  requests: number;
  /** Durable Object RPC calls (any method on a stub), and those made before the response. */
  do_calls: number;
  do_calls_before_response: number;
  do_methods: Record<string, number>;
  /** KV calls (get, put, delete, list...), and those made before the response. */
  kv_calls: number;
  kv_calls_before_response: number;
  kv_methods: Record<string, number>;
  /**
   * The isolate's batched usage sends (recordUsage): after a response, at most every 10 s, and
   * for all the requests since the last one, so they are kept out of any one request's calls.
   */
  usage_sends: number;
}

function zero(): Counts {
  return {
    requests: 0,
    do_calls: 0,
    do_calls_before_response: 0,
    do_methods: {},
    kv_calls: 0,
    kv_calls_before_response: 0,
    kv_methods: {},
    usage_sends: 0,
  };
}

let counts = zero();
/** Requests whose response has not been returned yet. */
let responding = 0;

function record(kind: "do" | "kv", method: string): void {
  if (kind === "do" && method === "recordUsage") {
    counts.usage_sends++;
    return;
  }
  const methods = kind === "do" ? counts.do_methods : counts.kv_methods;
  methods[method] = (methods[method] ?? 0) + 1;
  if (kind === "do") {
    counts.do_calls++;
    if (responding > 0) counts.do_calls_before_response++;
  } else {
    counts.kv_calls++;
    if (responding > 0) counts.kv_calls_before_response++;
  }
}

/** A stub whose every method call counts as one Durable Object call. */
function countedStub(stub: object): object {
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== "string" || prop === "then" || typeof value !== "function") {
        return value;
      }
      const method = value as Callable;
      return (...args: unknown[]) => {
        record("do", prop);
        return Reflect.apply(method, target, args);
      };
    },
  });
}

/** The namespace: `get`/`getByName` hand out counted stubs; `idFromName` and the like are local. */
function countedNamespace(namespace: object): object {
  return new Proxy(namespace, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      const method = value as Callable;
      if (prop === "get" || prop === "getByName") {
        return (...args: unknown[]) => countedStub(Reflect.apply(method, target, args) as object);
      }
      return (...args: unknown[]) => Reflect.apply(method, target, args);
    },
  });
}

function countedKv(kv: object): object {
  return new Proxy(kv, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      const method = value as Callable;
      return (...args: unknown[]) => {
        record("kv", prop);
        return Reflect.apply(method, target, args);
      };
    },
  });
}

// One wrapped env per env object: the gateway caches its parsed config per env object.
const wrapped = new WeakMap<object, object>();

function countedEnv(env: Record<string, unknown>): object {
  let counted = wrapped.get(env);
  if (counted === undefined) {
    counted = {
      ...env,
      ACCOUNTS: countedNamespace(env.ACCOUNTS as object),
      KEYS: countedKv(env.KEYS as object),
    };
    wrapped.set(env, counted);
  }
  return counted;
}

export default {
  async fetch(
    request: Request,
    env: Record<string, unknown>,
    ctx: ExecutionContextLike,
  ): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/counts") {
      const snapshot = counts;
      if (request.method === "POST") counts = zero();
      return Response.json(snapshot);
    }
    counts.requests++;
    responding++;
    try {
      return await gateway.fetch(request, countedEnv(env), ctx);
    } finally {
      responding--;
    }
  },
};
