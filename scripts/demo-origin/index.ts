// The bundled demo origin: a small, honest submissions service behind the gateway (node:http
// only). It trusts the gateway's identity headers, answers every error in the platform
// envelope, de-duplicates keyed writes on the Idempotency-Key the gateway forwards, and reports
// finished runs to the gateway's release endpoint.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Answer,
  errorAnswer,
  jsonAnswer,
  OriginError,
  readBody,
  requestIdOf,
  splitUrl,
  writeAnswer,
  writeAnswerHead,
} from "./http-util.ts";
import { IdempotencyReplay, KEYED_METHODS } from "./idempotency-replay.ts";
import { createReleaseReporter, type ReleaseReporter } from "./release-reporter.ts";
import { callerOf, handleSubmissions, MAX_BODY_BYTES } from "./submissions-routes.ts";
import { SubmissionStore } from "./submissions-store.ts";
import {
  handleTestEndpoint,
  isUncountedPath,
  pause,
  RequestStats,
  readTestDirectives,
  type TestDirectives,
  testStatusAnswer,
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

/** X-Test-Drop: the client sees a lost connection, whatever the origin did or did not do. */
function dropConnection(req: IncomingMessage): undefined {
  req.socket.destroy();
  return undefined;
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
  const replay = new IdempotencyReplay({ now });
  /** Aborts pending X-Test-Delay-Ms and X-Test-Body-Delay-Ms waits when the server closes. */
  const shutdown = new AbortController();

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const { pathname, query } = splitUrl(req.url ?? "/");
    const method = req.method ?? "GET";
    const test = testControls ? readTestDirectives(req) : undefined;
    if (test !== undefined) {
      if (test.tag !== undefined && !isUncountedPath(pathname)) {
        stats.track(test.tag, method === "POST" && pathname === "/v1/submissions", res);
      }
      if (test.retryAfter !== undefined) res.setHeader("retry-after", test.retryAfter);
      if (test.status === undefined && pathname.startsWith("/__test/")) {
        await testEndpoint(req, res, pathname, query, test);
        return;
      }
    }
    const answer = await answerFor(req, res, requestId, pathname, query, test);
    if (answer !== undefined) await deliver(req, res, answer, test);
  }

  /**
   * The whole answer to anything but a /__test/* endpoint, built before anything is sent;
   * undefined when there is nothing to send (the client left, or X-Test-Drop before-execute).
   */
  async function answerFor(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    pathname: string,
    query: URLSearchParams,
    test: TestDirectives | undefined,
  ): Promise<Answer | undefined> {
    const method = req.method ?? "GET";
    // X-Test-Delay-Ms; false when the client hung up (a gateway timeout) or the server closed.
    const delayed = (): Promise<boolean> => pause(res, test?.delayMs ?? 0, shutdown.signal);
    if (test?.status !== undefined) {
      // Stands in for the route: nothing executes, so there is nothing to de-duplicate either.
      if (test.drop !== undefined) return dropConnection(req);
      return (await delayed()) ? testStatusAnswer(test, test.status, requestId) : undefined;
    }
    if (pathname === "/health") {
      return (await delayed()) ? jsonAnswer(200, { status: "ok" }) : undefined;
    }

    const caller = callerOf(req);
    const body = await readBody(req, MAX_BODY_BYTES);
    if (test?.drop === "before-execute") return dropConnection(req);
    const tag = test?.tag;
    const execute = async (): Promise<Answer | undefined> => {
      if (!(await delayed())) return undefined;
      try {
        const answer = handleSubmissions({
          method,
          pathname,
          query,
          body,
          caller,
          store,
          onCreated: tag === undefined ? undefined : () => stats.countExecutedCreate(tag),
        });
        if (answer !== undefined) return answer;
        throw new OriginError(404, "not_found", `No route for ${method} ${pathname}.`);
      } catch (error) {
        // Inside `execute`, so a 4xx is stored for replay like any other answer.
        return failureAnswer(req, error, requestId);
      }
    };

    // De-duplicated on the key the gateway forwards; /__test/* endpoints never get here.
    const key = req.headers["idempotency-key"];
    const keyed = typeof key === "string" && key !== "" && KEYED_METHODS.has(method);
    if (!keyed || !pathname.startsWith("/v1/")) return execute();
    const target = req.url ?? pathname;
    return replay.run(
      { accountId: caller.accountId, key, method, target, body },
      requestId,
      execute,
    );
  }

  /** Sends an answer, unless X-Test-Drop after-execute cuts it or X-Test-Body-Delay-Ms holds it. */
  async function deliver(
    req: IncomingMessage,
    res: ServerResponse,
    answer: Answer,
    test: TestDirectives | undefined,
  ): Promise<void> {
    if (test?.drop === "after-execute") {
      dropConnection(req);
      return;
    }
    if (test === undefined || test.bodyDelayMs === 0) {
      writeAnswer(res, answer);
      return;
    }
    writeAnswerHead(res, answer);
    res.flushHeaders();
    if (await pause(res, test.bodyDelayMs, shutdown.signal)) res.end(answer.body);
    else res.destroy();
  }

  async function testEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    query: URLSearchParams,
    test: TestDirectives,
  ): Promise<void> {
    // These endpoints write (and stream) their own answers, so they cannot be held or dropped.
    if (test.drop !== undefined || test.bodyDelayMs > 0) {
      throw new OriginError(
        400,
        "invalid_parameter",
        "X-Test-Drop and X-Test-Body-Delay-Ms do not apply to /__test/* endpoints.",
        { field: test.drop !== undefined ? "X-Test-Drop" : "X-Test-Body-Delay-Ms" },
      );
    }
    if (!(await pause(res, test.delayMs, shutdown.signal))) return;
    if (await handleTestEndpoint({ req, res, pathname, query, stats })) return;
    throw new OriginError(404, "not_found", `No test endpoint ${pathname}.`);
  }

  /** OriginError becomes its envelope, anything else a 500 whose reason is logged, never sent. */
  function failureAnswer(req: IncomingMessage, error: unknown, requestId: string): Answer {
    if (error instanceof OriginError) return errorAnswer(error, requestId);
    log(`demo-origin: ${req.method} ${req.url} failed: ${String(error)}`);
    return errorAnswer(new OriginError(500, "internal_error", "Something broke."), requestId);
  }

  // The one error handler for whatever is thrown outside a route's execution.
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIdOf(req);
    res.setHeader("x-request-id", requestId);
    route(req, res, requestId).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      writeAnswer(res, failureAnswer(req, error, requestId));
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
