// `npm run keys -- <command>`: a small CLI over the gateway's admin API (GATEWAY.md section 4).
// Prints the answer as pretty JSON; a non-2xx answer goes to stderr and exits 1.
import { parseArgs } from "node:util";
import {
  type AdminAnswer,
  createAdminClient,
  DEFAULT_ADMIN_TOKEN,
  networkReason,
} from "./admin-client.ts";

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create-account <id> [--tier free|pro] [--status active|disabled|unverified]
  account <id>                          show an account with its live usage
  create <account_id> [--scopes a,b] [--name N] [--expires-at RFC3339]
                                        create a key (the secret is shown once)
  list <account_id>                     list an account's keys (never a secret)
  show <key_id>                         show one key
  scopes <key_id> <a,b | "">            replace a key's scopes ("" = none)
  revoke <key_id>                       revoke a key now
  rotate <key_id> [--grace-seconds N]   new key; the old one works for N more seconds
  release <account_id> <submission_id>  report a submission finished (frees its slot)
  help                                  this text

Options:
  --url URL   gateway base URL (default $GATEWAY_URL or http://127.0.0.1:8787)
The admin token is read from $ADMIN_TOKEN (default ${DEFAULT_ADMIN_TOKEN}).
Default scopes for "create": submissions:read,submissions:write.`;

const TIERS = ["free", "pro"];
const STATUSES = ["active", "disabled", "unverified"];

class UsageError extends Error {}

function parseCli(argv: string[]) {
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
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

type Values = ReturnType<typeof parseCli>["values"];

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

const seg = encodeURIComponent;

/** Maps a command to its admin API call: [method, path, body]. */
function toRequest(positionals: string[], values: Values): [string, string, unknown?] {
  const command = positionals[0];
  switch (command) {
    case "create-account": {
      const [id] = args(positionals, 1, "<id>");
      const tier = oneOf(values.tier, TIERS, "--tier");
      const status = oneOf(values.status, STATUSES, "--status");
      const body: Record<string, unknown> = { id };
      if (tier !== undefined) body.tier = tier;
      if (status !== undefined) body.status = status;
      return ["POST", "/accounts", body];
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
    default:
      throw new UsageError(command === undefined ? "no command" : `unknown command ${command}`);
  }
}

function print(answer: AdminAnswer): void {
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2);
  if (answer.ok) {
    console.log(text);
  } else {
    console.error(`HTTP ${answer.status}`);
    console.error(text);
  }
}

async function main(argv: string[]): Promise<number> {
  let request: [string, string, unknown?];
  let url: string;
  try {
    const { values, positionals } = parseCli(argv);
    if (values.help || positionals.length === 0 || positionals[0] === "help") {
      console.log(USAGE);
      return 0;
    }
    url = values.url ?? process.env.GATEWAY_URL ?? "http://127.0.0.1:8787";
    request = toRequest(positionals, values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`keys: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const client = createAdminClient(url, process.env.ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN);
  const [method, path, body] = request;
  try {
    const answer = await client.request(method, path, body);
    print(answer);
    return answer.ok ? 0 : 1;
  } catch (error) {
    console.error(`keys: cannot reach the gateway at ${client.baseUrl}: ${networkReason(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
