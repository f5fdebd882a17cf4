import { ConfigError } from "./config-error";
import { type Policy, parsePolicy } from "./policy";

/** The variables and secrets the Worker reads (contract section 1). All optional strings. */
export interface GatewayVars {
  ORIGIN_URL?: string;
  ADMIN_TOKEN?: string;
  ORIGIN_TIMEOUT_MS?: string;
  ORIGIN_SIGNING_SECRET?: string;
  GATEWAY_POLICY?: string;
  MAINTENANCE?: string;
}

/** Configuration, parsed once per environment and typed everywhere after. */
export interface GatewayConfig {
  /** The origin's base URL, without a trailing slash. */
  originUrl: string;
  /** Unset disables the admin API (it answers 404). */
  adminToken: string | undefined;
  originTimeoutMs: number;
  signingSecret: string | undefined;
  maintenance: boolean;
  policy: Policy;
}

export const DEFAULT_ORIGIN_TIMEOUT_MS = 30_000;
const MAX_ORIGIN_TIMEOUT_MS = 10 * 60_000;

function parseOriginUrl(raw: string | undefined): string {
  if (raw === undefined || raw === "") throw new ConfigError("ORIGIN_URL", "is required");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("ORIGIN_URL", "must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError("ORIGIN_URL", "must be an absolute http(s) URL");
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConfigError("ORIGIN_URL", "must not carry a query or fragment");
  }
  return url.href.replace(/\/+$/, "");
}

function parseTimeout(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_ORIGIN_TIMEOUT_MS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_ORIGIN_TIMEOUT_MS) {
    throw new ConfigError(
      "ORIGIN_TIMEOUT_MS",
      `must be an integer from 1 to ${MAX_ORIGIN_TIMEOUT_MS}`,
    );
  }
  return value;
}

function parseMaintenance(raw: string | undefined): boolean {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new ConfigError("MAINTENANCE", 'must be "true" or "false"');
}

function optionalSecret(raw: string | undefined): string | undefined {
  return raw === undefined || raw === "" ? undefined : raw;
}

export function parseConfig(vars: GatewayVars): GatewayConfig {
  return {
    originUrl: parseOriginUrl(vars.ORIGIN_URL),
    adminToken: optionalSecret(vars.ADMIN_TOKEN),
    originTimeoutMs: parseTimeout(vars.ORIGIN_TIMEOUT_MS),
    signingSecret: optionalSecret(vars.ORIGIN_SIGNING_SECRET),
    maintenance: parseMaintenance(vars.MAINTENANCE),
    policy: parsePolicy(vars.GATEWAY_POLICY),
  };
}

const parsed = new WeakMap<object, GatewayConfig | ConfigError>();

/**
 * The config of one environment object. Workers hand the same `env` to every request of an
 * isolate, so this parses once (a failure too); a new `env` (a test's override) is parsed anew.
 */
export function configFor(env: GatewayVars): GatewayConfig {
  let config = parsed.get(env);
  if (config === undefined) {
    try {
      config = parseConfig(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      config = err;
    }
    parsed.set(env, config);
  }
  if (config instanceof Error) throw config;
  return config;
}
