// The workerd configuration of the benchmark, as Cap'n Proto text: every Worker arm in ONE
// workerd process, each on its own loopback socket. Module files are embedded from the work
// directory the config is written to (see build.ts).
//
//   floor            floor.js                  fixed 200, no bindings
//   envelope         envelope.js               the contract's 401 answer and log line, nothing else
//   passthrough      passthrough.js            fetch(ORIGIN_URL + path)
//   admitted-floor   admitted-floor.js         the contract's work for an admitted proxied answer
//                                              (headers, origin timeout, log line), nothing else
//   gateway          gateway-bundle.js         the production bundle, unmodified (timed arm)
//   gateway-counted  gateway-counted.js        the same bundle behind counting proxies (counts)
//   baseline         baseline-bundle.js        another commit's bundle (--baseline; timed arm)
//   kv-gateway, kv-counted, kv-baseline   kv-memory.js   in-memory stand-ins for Workers KV
//                                                        (one each: no arm sees another's keys)
//
// The gateways' Durable Object namespaces (those its wrangler.toml binds) are SQLite-backed (`enableSql`) on local disk,
// like production's `new_sqlite_classes`, each under its own uniqueKey (its own objects and
// files); their global fetch may reach loopback only. The baseline runs in the same process as
// the gateway, so CPU per request is read from the same /proc entry: arms run one at a time.

export interface WorkerdPorts {
  floor: number;
  envelope: number;
  passthrough: number;
  admittedFloor: number;
  gateway: number;
  counted: number;
}

export interface Compatibility {
  compatibilityDate: string;
  compatibilityFlags: readonly string[];
  /** The gateway's Durable Object bindings (ACCOUNTS, and DIRECTORY where the commit has it). */
  durableObjects: readonly { name: string; className: string }[];
}

export interface WorkerdPlan extends Compatibility {
  /** Absolute path of the Durable Object storage directory (created empty by the caller). */
  doStorageDir: string;
  ports: WorkerdPorts;
  vars: Readonly<Record<string, string>>;
  /**
   * The baseline arm: its port and the compatibility settings of its own wrangler.toml (it is
   * built from that commit's, so it runs with that commit's too).
   */
  baseline?: { port: number } & Compatibility;
}

/** A Cap'n Proto text literal (its escapes are C's, which JSON's are a subset of for ASCII). */
function text(value: string): string {
  return JSON.stringify(value);
}

function list(items: readonly string[]): string {
  return `[${items.join(", ")}]`;
}

function module(name: string): string {
  return `(name = ${text(name)}, esModule = embed ${text(name)})`;
}

function socket(name: string, port: number, service: string): string {
  return `(name = ${text(name)}, address = ${text(`127.0.0.1:${port}`)}, http = (), service = ${text(service)})`;
}

function gatewayWorker(
  plan: WorkerdPlan,
  compatibility: Compatibility,
  modules: string[],
  kvService: string,
  uniqueKey: string,
) {
  const vars = Object.entries(plan.vars).map(
    ([name, value]) => `(name = ${text(name)}, text = ${text(value)})`,
  );
  return `(
      modules = ${list(modules)},
      compatibilityDate = ${text(compatibility.compatibilityDate)},
      compatibilityFlags = ${list(compatibility.compatibilityFlags.map(text))},
      bindings = ${list([
        ...vars,
        `(name = "KEYS", kvNamespace = ${text(kvService)})`,
        ...compatibility.durableObjects.map(
          (o) => `(name = ${text(o.name)}, durableObjectNamespace = ${text(o.className)})`,
        ),
      ])},
      durableObjectNamespaces = ${list(
        compatibility.durableObjects.map(
          (o) =>
            `(className = ${text(o.className)}, uniqueKey = ${text(`${uniqueKey}-${o.className}`)}, enableSql = true)`,
        ),
      )},
      durableObjectStorage = (localDisk = "do-disk"),
      globalOutbound = "loopback",
    )`;
}

function simpleWorker(plan: WorkerdPlan, file: string, bindings: string[] = []): string {
  return `(
      modules = [${module(file)}],
      compatibilityDate = ${text(plan.compatibilityDate)},
      compatibilityFlags = ${list(plan.compatibilityFlags.map(text))},
      bindings = ${list(bindings)},
      globalOutbound = "loopback",
    )`;
}

export function workerdConfig(plan: WorkerdPlan): string {
  const originUrl = plan.vars.ORIGIN_URL ?? "";
  const originBinding = `(name = "ORIGIN_URL", text = ${text(originUrl)})`;
  const services = [
    `(name = "floor", worker = ${simpleWorker(plan, "floor.js")})`,
    `(name = "envelope", worker = ${simpleWorker(plan, "envelope.js")})`,
    `(name = "passthrough", worker = ${simpleWorker(plan, "passthrough.js", [originBinding])})`,
    `(name = "admitted-floor", worker = ${simpleWorker(plan, "admitted-floor.js", [originBinding])})`,
    `(name = "gateway", worker = ${gatewayWorker(
      plan,
      plan,
      [module("gateway-bundle.js")],
      "kv-gateway",
      "bench-gateway-accounts",
    )})`,
    `(name = "gateway-counted", worker = ${gatewayWorker(
      plan,
      plan,
      [module("gateway-counted.js"), module("gateway-bundle.js")],
      "kv-counted",
      "bench-counted-accounts",
    )})`,
    `(name = "kv-gateway", worker = ${simpleWorker(plan, "kv-memory.js")})`,
    `(name = "kv-counted", worker = ${simpleWorker(plan, "kv-memory.js")})`,
    ...(plan.baseline === undefined
      ? []
      : [
          `(name = "baseline", worker = ${gatewayWorker(
            plan,
            plan.baseline,
            [module("baseline-bundle.js")],
            "kv-baseline",
            "bench-baseline-accounts",
          )})`,
          `(name = "kv-baseline", worker = ${simpleWorker(plan, "kv-memory.js")})`,
        ]),
    `(name = "loopback", network = (allow = ["local"]))`,
    `(name = "do-disk", disk = (path = ${text(plan.doStorageDir)}, writable = true))`,
  ];
  const sockets = [
    socket("floor", plan.ports.floor, "floor"),
    socket("envelope", plan.ports.envelope, "envelope"),
    socket("passthrough", plan.ports.passthrough, "passthrough"),
    socket("admitted-floor", plan.ports.admittedFloor, "admitted-floor"),
    socket("gateway", plan.ports.gateway, "gateway"),
    socket("gateway-counted", plan.ports.counted, "gateway-counted"),
    ...(plan.baseline === undefined ? [] : [socket("baseline", plan.baseline.port, "baseline")]),
  ];
  return `# Generated by bench/lib/workerd-config.ts for one benchmark run; do not edit.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")},
  ],
  sockets = [
    ${sockets.join(",\n    ")},
  ],
);
`;
}
