// With a baseline arm, the origin's release reports (POST /_gateway/admin/accounts/{id}/
// submissions/{id}/release, sent when a submission finishes, to free its in-flight slot) must
// reach the gateway that admitted the submission. The demo origin reports to one URL, so it is
// given this router's: it sends an account's reports to the arm whose account-id prefix it
// carries, and the rest to the gateway. It runs in the origin's process, never in workerd, so
// it adds nothing to any arm's server CPU.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReleaseRoute {
  accountPrefix: string;
  url: string;
}

const ACCOUNT_PATH = /^\/_gateway\/admin\/accounts\/([^/?]+)/;

/** The base URL a report for `path` goes to: the first route whose prefix the account has. */
export function releaseTarget(
  path: string,
  routes: readonly ReleaseRoute[],
  fallbackUrl: string,
): string {
  const encoded = ACCOUNT_PATH.exec(path)?.[1];
  if (encoded === undefined) return fallbackUrl;
  let account: string;
  try {
    account = decodeURIComponent(encoded);
  } catch {
    return fallbackUrl;
  }
  return routes.find((route) => account.startsWith(route.accountPrefix))?.url ?? fallbackUrl;
}

export interface ReleaseRouter {
  url: string;
  close(): Promise<void>;
}

/** Forwards each request as it came (method, authorization, content type, body); answers as told. */
export function startReleaseRouter(
  routes: readonly ReleaseRoute[],
  fallbackUrl: string,
): Promise<ReleaseRouter> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    try {
      const answer = await fetch(`${releaseTarget(path, routes, fallbackUrl)}${path}`, {
        method: req.method ?? "POST",
        headers,
        body: chunks.length === 0 ? undefined : Buffer.concat(chunks),
        signal: AbortSignal.timeout(5000),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
      });
      res.end(body);
    } catch (error) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`release router: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
