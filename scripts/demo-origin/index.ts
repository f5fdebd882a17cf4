// The bundled demo origin: a small, honest submissions service behind the gateway (node:http
// only). It trusts the gateway's identity headers, answers every error in the platform
// envelope, and reports finished runs to the gateway's release endpoint.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { OriginError, requestIdOf, sendError, sendJson, splitUrl } from "./http-util.ts";
import { createReleaseReporter, type ReleaseReporter } from "./release-reporter.ts";
import { callerOf, handleSubmissions } from "./submissions-routes.ts";
import { SubmissionStore } from "./submissions-store.ts";
import {
  handleTestEndpoint,
  isUncountedPath,
  RequestStats,
  readTestDirectives,
  sendTestStatus,
} from "./test-controls.ts";

export interface DemoOriginOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Total run time of a submission (queued, then running, then succeeded). Default 5. */
  runSeconds?: number;
  /** With adminToken: where to report finished runs (POST .../submissions/{id}/release). */
  gatewayUrl?: string;
  adminToken?: string;
  /** Enables the X-Test-* headers and /__test/* endpoints. Off unless asked for. */
  testControls?: boolean;
  /** Clock in epoch milliseconds; tests inject a fake one. Default Date.now. */
  now?: () => number;
  /** Demo credits every account starts with. Default 1000. */
  initialCredits?: number;
  /** Where operational messages (failed release reports, crashes) go. Default console.error. */
  log?: (message: string) => void;
}

export interface DemoOrigin {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDemoOrigin({
  port,
  host = "127.0.0.1",
  runSeconds = 5,
  gatewayUrl,
  adminToken,
  testControls = false,
  now = Date.now,
  initialCredits = 1000,
  log = (message: string) => console.error(message),
}: DemoOriginOptions): Promise<DemoOrigin> {
  if (!Number.isFinite(runSeconds) || runSeconds < 0) {
    throw new Error(`runSeconds must be a non-negative number, got ${runSeconds}`);
  }
  const report: ReleaseReporter | undefined =
    gatewayUrl !== undefined && gatewayUrl !== "" && adminToken !== undefined && adminToken !== ""
      ? createReleaseReporter({ gatewayUrl, adminToken, log })
      : undefined;
  const store = new SubmissionStore({
    runMs: Math.round(runSeconds * 1000),
    now,
    initialCredits,
    onTerminal: (submission) => report?.(submission.accountId, submission.id),
  });
  const stats = new RequestStats();
  /** Aborts pending X-Test-Delay-Ms waits when the server closes. */
  const shutdown = new AbortController();

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const { pathname, query } = splitUrl(req.url ?? "/");

    if (testControls) {
      const directives = readTestDirectives(req);
      if (directives.tag !== undefined && !isUncountedPath(pathname)) {
        const isCreate = req.method === "POST" && pathname === "/v1/submissions";
        stats.track(directives.tag, isCreate, res);
      }
      if (directives.retryAfter !== undefined) res.setHeader("retry-after", directives.retryAfter);
      if (directives.delayMs > 0) {
        // Stop waiting if the client hangs up (a gateway timeout) or the server closes.
        const gone = new AbortController();
        const onClose = (): void => gone.abort();
        res.once("close", onClose);
        try {
          await sleep(directives.delayMs, undefined, {
            signal: AbortSignal.any([gone.signal, shutdown.signal]),
          });
        } catch {
          return;
        } finally {
          res.off("close", onClose);
        }
      }
      if (directives.status !== undefined) {
        sendTestStatus(res, directives, directives.status, requestId);
        return;
      }
      if (pathname.startsWith("/__test/")) {
        if (await handleTestEndpoint({ req, res, pathname, query, stats })) return;
        throw new OriginError(404, "not_found", `No test endpoint ${pathname}.`);
      }
    }

    if (pathname === "/health") {
      sendJson(res, 200, { status: "ok" });
      return;
    }
    const caller = callerOf(req);
    if (await handleSubmissions({ req, res, pathname, query, caller, store })) return;
    throw new OriginError(404, "not_found", `No route for ${req.method} ${pathname}.`);
  }

  // The one error handler: OriginError becomes its envelope, anything else a 500 whose reason
  // is logged but never sent.
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIdOf(req);
    res.setHeader("x-request-id", requestId);
    route(req, res, requestId).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (error instanceof OriginError) {
        sendError(res, error, requestId);
        return;
      }
      log(`demo-origin: ${req.method} ${req.url} failed: ${String(error)}`);
      sendError(res, new OriginError(500, "internal_error", "Something broke."), requestId);
    });
  }

  const server = createServer(handle);
  // Longer than any client's idle keep-alive, so a reused socket is never closed under it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    close() {
      shutdown.abort();
      store.close();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
