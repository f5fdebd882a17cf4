// The key CLI's commands (scripts/keys.ts) as admin API calls (GATEWAY.md sections 4 and 10),
// apart from the I/O so they can be tested.
import { parseArgs } from "node:util";
import { DEFAULT_ADMIN_TOKEN } from "./admin-client.ts";

export const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create-account <id> [--tier T] [--status active|disabled|unverified]
  account <id>                          show an account with its live usage
  account-limits <id> [--per-minute N|null] [--in-flight N|null] [--per-day N|null]
                                        set an account's own limits (null: its tier's)
  tier <id> <tier>                      change an account's tier (binds on the next request)
  create <account_id> [--scopes a,b] [--name N] [--expires-at RFC3339] [--per-minute N]
                                        create a key (the secret is shown once)
  list <account_id>                     list an account's keys (never a secret)
  show <key_id>                         show one key
  scopes <key_id> <a,b | "">            replace a key's scopes ("" = none)
  key-limit <key_id> <N | null>         set a key's own per-minute limit (null: none)
  revoke <key_id>                       revoke a key now
  rotate <key_id> [--grace-seconds N]   new key; the old one works for N more seconds
  release <account_id> <submission_id>  report a submission finished (frees its slot)
  accounts [--prefix P]                 list accounts by id
  usage <account_id> [--granularity minute|hour|day] [--key key_id] [--from T] [--to T]
                                        usage as a table, and a chart (default: the last hour)
  rejections <account_id>               the account's recent rejections, with request ids
  audit [--account A] [--actor X] [--from T] [--to T]
                                        the audit log of admin changes, newest first
  credentials                           list admin credentials (never a secret)
  credential-create <name> [--scopes admin:read,admin:write]
                                        create an admin credential (the secret is shown once;
                                        default scope: admin:read)
  credential-revoke <credential_id>     revoke an admin credential now
  help                                  this text

Options:
  --url URL   gateway base URL (default $GATEWAY_URL or http://127.0.0.1:8787)
  --json      print the answer as JSON (usage prints a table and a chart otherwise)
The admin token is read from $ADMIN_TOKEN (default ${DEFAULT_ADMIN_TOKEN}).
Default scopes for "create": submissions:read,submissions:write.`;

const STATUSES = ["active", "disabled", "unverified"];

export class UsageError extends Error {}

export function parseCli(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        tier: { type: "string" },
        status: { type: "string" },
        scopes: { type: "string" },
        name: { type: "string" },
        "expires-at": { type: "string" },
        "grace-seconds": { type: "string" },
        "per-minute": { type: "string" },
        "in-flight": { type: "string" },
        "per-day": { type: "string" },
        granularity: { type: "string" },
        key: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        prefix: { type: "string" },
        account: { type: "string" },
        actor: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export type Values = ReturnType<typeof parseCli>["values"];

/** Positional arguments of a command, exactly `count` of them. */
function args(positionals: string[], count: number, names: string): string[] {
  const rest = positionals.slice(1);
  if (rest.length !== count) throw new UsageError(`expected ${names}`);
  return rest;
}

function oneOf(value: string | undefined, allowed: string[], flag: string): string | undefined {
  if (value !== undefined && !allowed.includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")}`);
  }
  return value;
}

function scopeList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A limit as the admin API takes it: a positive integer, or null to clear it. */
function limitValue(text: string, flag: string): number | null {
  if (text === "null") return null;
  if (!/^[1-9][0-9]*$/.test(text))
    throw new UsageError(`${flag} must be a positive integer or null`);
  return Number(text);
}

const seg = encodeURIComponent;

/** A query string of the options given (none: empty). */
function query(pairs: [string, string | undefined][]): string {
  const given = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined);
  return given.length === 0 ? "" : `?${new URLSearchParams(given).toString()}`;
}

/** Maps a command to its admin API call: [method, path, body]. */
export function toRequest(positionals: string[], values: Values): [string, string, unknown?] {
  const command = positionals[0];
  switch (command) {
    case "create-account": {
      const [id] = args(positionals, 1, "<id>");
      const tier = values.tier;
      const status = oneOf(values.status, STATUSES, "--status");
      const body: Record<string, unknown> = { id };
      if (tier !== undefined) body.tier = tier;
      if (status !== undefined) body.status = status;
      return ["POST", "/accounts", body];
    }
    case "account-limits": {
      const [id] = args(positionals, 1, "<id>");
      const limits: Record<string, number | null> = {};
      for (const [flag, field] of [
        ["per-minute", "per_minute"],
        ["in-flight", "in_flight"],
        ["per-day", "per_day"],
      ] as const) {
        const value = values[flag];
        if (value !== undefined) limits[field] = limitValue(value, `--${flag}`);
      }
      if (Object.keys(limits).length === 0) {
        throw new UsageError("give at least one of --per-minute, --in-flight, --per-day");
      }
      return ["PATCH", `/accounts/${seg(id ?? "")}`, { limits }];
    }
    case "tier": {
      const [id, tier] = args(positionals, 2, "<id> <tier>");
      return ["PATCH", `/accounts/${seg(id ?? "")}`, { tier }];
    }
    case "account": {
      const [id] = args(positionals, 1, "<id>");
      return ["GET", `/accounts/${seg(id ?? "")}`];
    }
    case "create": {
      const [accountId] = args(positionals, 1, "<account_id>");
      const body: Record<string, unknown> = {
        account_id: accountId,
        scopes: scopeList(values.scopes ?? "submissions:read,submissions:write"),
      };
      if (values.name !== undefined) body.name = values.name;
      if (values["expires-at"] !== undefined) {
        if (Number.isNaN(Date.parse(values["expires-at"]))) {
          throw new UsageError("--expires-at must be an RFC 3339 timestamp");
        }
        body.expires_at = values["expires-at"];
      }
      if (values["per-minute"] !== undefined) {
        body.limits = { per_minute: limitValue(values["per-minute"], "--per-minute") };
      }
      return ["POST", "/keys", body];
    }
    case "list": {
      const [accountId] = args(positionals, 1, "<account_id>");
      return ["GET", `/keys?account_id=${seg(accountId ?? "")}`];
    }
    case "show": {
      const [keyId] = args(positionals, 1, "<key_id>");
      return ["GET", `/keys/${seg(keyId ?? "")}`];
    }
    case "scopes": {
      const [keyId, scopes] = args(positionals, 2, '<key_id> <comma list or "">');
      return ["PATCH", `/keys/${seg(keyId ?? "")}`, { scopes: scopeList(scopes ?? "") }];
    }
    case "key-limit": {
      const [keyId, limit] = args(positionals, 2, "<key_id> <N | null>");
      return [
        "PATCH",
        `/keys/${seg(keyId ?? "")}`,
        { limits: { per_minute: limitValue(limit ?? "", "the limit") } },
      ];
    }
    case "revoke": {
      const [keyId] = args(positionals, 1, "<key_id>");
      return ["DELETE", `/keys/${seg(keyId ?? "")}`];
    }
    case "rotate": {
      const [keyId] = args(positionals, 1, "<key_id>");
      const grace = values["grace-seconds"];
      if (grace !== undefined && !/^[0-9]+$/.test(grace)) {
        throw new UsageError("--grace-seconds must be a whole number");
      }
      const body = grace === undefined ? {} : { grace_seconds: Number(grace) };
      return ["POST", `/keys/${seg(keyId ?? "")}/rotate`, body];
    }
    case "release": {
      const [accountId, submissionId] = args(positionals, 2, "<account_id> <submission_id>");
      return [
        "POST",
        `/accounts/${seg(accountId ?? "")}/submissions/${seg(submissionId ?? "")}/release`,
        {},
      ];
    }
    case "accounts": {
      args(positionals, 0, "no arguments");
      return ["GET", `/accounts${query([["prefix", values.prefix]])}`];
    }
    case "usage": {
      const [accountId] = args(positionals, 1, "<account_id>");
      const granularity = oneOf(values.granularity, ["minute", "hour", "day"], "--granularity");
      return [
        "GET",
        `/accounts/${seg(accountId ?? "")}/usage${query([
          ["granularity", granularity],
          ["key_id", values.key],
          ["from", values.from],
          ["to", values.to],
        ])}`,
      ];
    }
    case "rejections": {
      const [accountId] = args(positionals, 1, "<account_id>");
      return ["GET", `/accounts/${seg(accountId ?? "")}/rejections`];
    }
    case "audit": {
      args(positionals, 0, "no arguments");
      return [
        "GET",
        `/audit${query([
          ["account_id", values.account],
          ["actor", values.actor],
          ["from", values.from],
          ["to", values.to],
        ])}`,
      ];
    }
    case "credentials": {
      args(positionals, 0, "no arguments");
      return ["GET", "/credentials"];
    }
    case "credential-create": {
      const [name] = args(positionals, 1, "<name>");
      return ["POST", "/credentials", { name, scopes: scopeList(values.scopes ?? "admin:read") }];
    }
    case "credential-revoke": {
      const [id] = args(positionals, 1, "<credential_id>");
      return ["DELETE", `/credentials/${seg(id ?? "")}`];
    }
    default:
      throw new UsageError(command === undefined ? "no command" : `unknown command ${command}`);
  }
}
