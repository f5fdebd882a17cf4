import { isValidKeyPrefix } from "../keys/key-format";
import { ConfigError } from "./config-error";

/**
 * Tier and route policy (contract section 6). Defaults live here; GATEWAY_POLICY (JSON) replaces
 * them. Parsing is strict: an unknown field or a bad value is an error that names the field,
 * never a silent default.
 */

export interface TierPolicy {
  /** Requests admitted in any rolling 60 s, per account. */
  per_minute: number;
  /** API submissions in flight, per account. */
  in_flight: number;
  /** Successful submission creates per UTC day, per account. */
  per_day: number;
  max_num_generations: number;
  max_num_genes: number;
  /** A held in-flight slot is freed after this long even if nobody reports the run finished. */
  max_submission_seconds: number;
  /**
   * Caps the route document maps body fields to (`x-gateway.tier_caps`): any positive integer
   * field named `max_<name>`, beside the two of the submissions API above.
   */
  [cap: `max_${string}`]: number;
}

export interface Policy {
  tiers: Record<string, TierPolicy>;
  /** Body limit of `POST /v1/submissions`, bytes. */
  submission_body_limit_bytes: number;
  /** Body limit of every other proxied route, bytes. */
  default_body_limit_bytes: number;
  /** The `<prefix>` of every API key this deployment issues and accepts. */
  key_prefix: string;
}

export const DEFAULT_POLICY: Policy = {
  tiers: {
    free: {
      per_minute: 60,
      in_flight: 5,
      per_day: 100,
      max_num_generations: 1000,
      max_num_genes: 256,
      max_submission_seconds: 3600,
    },
    pro: {
      per_minute: 600,
      in_flight: 20,
      per_day: 5000,
      max_num_generations: 20000,
      max_num_genes: 4096,
      max_submission_seconds: 86400,
    },
  },
  submission_body_limit_bytes: 64 * 1024,
  default_body_limit_bytes: 1024 * 1024,
  key_prefix: "gk",
};

const TIER_FIELDS: readonly (keyof TierPolicy)[] = [
  "per_minute",
  "in_flight",
  "per_day",
  "max_num_generations",
  "max_num_genes",
  "max_submission_seconds",
];

const TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** Bodies are buffered for validation and fingerprints; 8 MiB keeps an isolate safe. */
const MAX_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * The policy of a tier; a tier removed from the policy after accounts were put on it falls
 * back to the first.
 */
export function tierPolicyOf(
  tiers: Readonly<Record<string, TierPolicy>>,
  tier: string,
): TierPolicy {
  return tiers[tier] ?? (Object.values(tiers)[0] as TierPolicy);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? "a positive integer" : `an integer from 1 to ${max}`;
    throw new ConfigError(field, `must be ${range}`);
  }
  return value;
}

function rejectUnknownFields(value: Record<string, unknown>, known: readonly string[], at: string) {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) throw new ConfigError(`${at}.${name}`, "is not a known field");
  }
}

/** A cap the route document may name: `max_` and a lowercase name. */
const CAP_FIELD = /^max_[a-z0-9_]{1,60}$/;

function parseTier(value: unknown, field: string, base: TierPolicy | undefined): TierPolicy {
  if (!isRecord(value)) throw new ConfigError(field, "must be an object");
  for (const name of Object.keys(value)) {
    if (!TIER_FIELDS.includes(name as keyof TierPolicy) && !CAP_FIELD.test(name)) {
      throw new ConfigError(`${field}.${name}`, "is not a known field");
    }
  }
  const tier: Record<string, number> = { ...base };
  for (const name of TIER_FIELDS) {
    if (value[name] !== undefined) tier[name] = positiveInteger(value[name], `${field}.${name}`);
    else if (base === undefined) throw new ConfigError(`${field}.${name}`, "is required");
  }
  for (const [name, cap] of Object.entries(value)) {
    if (!TIER_FIELDS.includes(name as keyof TierPolicy)) {
      tier[name] = positiveInteger(cap, `${field}.${name}`);
    }
  }
  return tier as unknown as TierPolicy;
}

/**
 * Parses GATEWAY_POLICY. Known tiers may be partially overridden; a new tier must give every
 * field. Top-level fields not given keep their defaults.
 */
export function parsePolicy(raw: string | undefined, field = "GATEWAY_POLICY"): Policy {
  if (raw === undefined || raw.trim() === "") return DEFAULT_POLICY;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(field, "is not valid JSON");
  }
  if (!isRecord(value)) throw new ConfigError(field, "must be a JSON object");
  rejectUnknownFields(
    value,
    ["tiers", "submission_body_limit_bytes", "default_body_limit_bytes", "key_prefix"],
    field,
  );
  const policy: Policy = { ...DEFAULT_POLICY, tiers: { ...DEFAULT_POLICY.tiers } };
  if (value.tiers !== undefined) {
    if (!isRecord(value.tiers)) throw new ConfigError(`${field}.tiers`, "must be an object");
    for (const [name, tier] of Object.entries(value.tiers)) {
      const at = `${field}.tiers.${name}`;
      if (!TIER_NAME.test(name)) throw new ConfigError(at, "tier names are [a-z][a-z0-9_-]*");
      policy.tiers[name] = parseTier(tier, at, DEFAULT_POLICY.tiers[name]);
    }
  }
  for (const name of ["submission_body_limit_bytes", "default_body_limit_bytes"] as const) {
    if (value[name] !== undefined) {
      policy[name] = positiveInteger(value[name], `${field}.${name}`, MAX_BODY_LIMIT);
    }
  }
  if (value.key_prefix !== undefined) {
    if (typeof value.key_prefix !== "string" || !isValidKeyPrefix(value.key_prefix)) {
      throw new ConfigError(`${field}.key_prefix`, "must match [a-z][a-z0-9]{0,15}");
    }
    policy.key_prefix = value.key_prefix;
  }
  return policy;
}
