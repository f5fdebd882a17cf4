// `npm run keys -- <command>`: a small CLI over the gateway's admin API (GATEWAY.md section 4).
// Prints the answer as pretty JSON; a non-2xx answer goes to stderr and exits 1.
import {
  type AdminAnswer,
  createAdminClient,
  DEFAULT_ADMIN_TOKEN,
  networkReason,
} from "./admin-client.ts";
import { parseCli, toRequest, USAGE, UsageError } from "./keys-commands.ts";
import { renderUsage, type UsageBucket, usageRange } from "./usage-report.ts";

/** A usage answer as a table and a chart; anything else as pretty JSON. */
function print(answer: AdminAnswer, usagePath: string | null): void {
  if (answer.ok && usagePath !== null && typeof answer.body === "object" && answer.body !== null) {
    const { granularity, from, to } = usageRange(usagePath, Date.now());
    console.log(
      renderUsage((answer.body as { data: UsageBucket[] }).data, granularity, { from, to }),
    );
    return;
  }
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
  let asTable = false;
  try {
    const { values, positionals } = parseCli(argv);
    if (values.help || positionals.length === 0 || positionals[0] === "help") {
      console.log(USAGE);
      return 0;
    }
    url = values.url ?? process.env.GATEWAY_URL ?? "http://127.0.0.1:8787";
    request = toRequest(positionals, values);
    asTable = positionals[0] === "usage" && values.json !== true;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`keys: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const client = createAdminClient(url, process.env.ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN);
  const [method, path, body] = request;
  try {
    const answer = await client.request(method, path, body);
    print(answer, asTable ? path : null);
    return answer.ok ? 0 : 1;
  } catch (error) {
    console.error(`keys: cannot reach the gateway at ${client.baseUrl}: ${networkReason(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
