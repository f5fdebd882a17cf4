import { type AccountStub, accountTerms } from "../account/client";
import type { AdmissionTicket, OriginOutcome } from "../account/contract";
import type { Clock } from "../clock";
import type { GatewayConfig } from "../config/config";
import type { GatewayError } from "../errors/gateway-error";
import { readLimited } from "../http/read-limited";
import { breakerFor, parseRetryAfter } from "../isolate/origin-breaker";
import type { Identity } from "../model/records";
import type { RouteMatch } from "../routes/route-table";
import { describeAnswer, endsJob, MAX_STORED_BODY_BYTES } from "./completion";
import { exchangeWithOrigin, type OpenExchange } from "./origin-exchange";
import { originHeaders } from "./origin-request";
import {
  clientHeaders,
  DEFAULT_ORIGIN_RETRY_SECONDS,
  originUnavailable,
  passThroughOrReplace5xx,
} from "./origin-response";

const BODYLESS_METHODS = new Set(["GET", "HEAD"]);
const DONE: Promise<void> = Promise.resolve();

export interface ForwardInput {
  request: Request;
  /** Client header names that never reach the origin. */
  withheld: readonly string[];
  config: GatewayConfig;
  route: RouteMatch;
  identity: Identity;
  requestId: string;
  /** What admission took, to be finished once the origin's answer is known. */
  ticket: AdmissionTicket | null;
  /** The parsed key of an idempotency-processed request. */
  idempotencyKey: string | null;
  /** The request body when it was buffered (validation, fingerprint, chunked). */
  body: Uint8Array | null;
  /** Whether the answer may show a held submission finished (see AdmissionResult). */
  watchSubmission: boolean;
  /** This request is the one probe let through after the origin asked for a pause. */
  probe: boolean;
  clock: Clock;
  /** The account's object, reached only when there is something to report. */
  account: () => AccountStub;
}

export interface Forwarded {
  /** What the client gets: the origin's answer, or the gateway's refusal. */
  answer: Response | GatewayError;
  originMs: number;
  /**
   * The completion work (reading the answer, reporting it to the account's object, releasing a
   * finished submission). It never rejects, and it must run to its end even when the client
   * hangs up: the caller hands it (and this whole exchange) to `waitUntil`.
   */
  settled: Promise<void>;
}

/**
 * Step 6: forward to the origin, stream the answer back, and finish the admission (store the
 * idempotent answer, hold or free the slot, refund the quota) after the response is sent.
 */
export async function forwardToOrigin(input: ForwardInput): Promise<Forwarded> {
  const { config, route, ticket, requestId, clock, request } = input;
  const report = (outcome: OriginOutcome): Promise<void> => {
    if (ticket === null || (ticket.slotId === null && ticket.idempotency === null)) return DONE;
    // Nothing to tell when nothing is known: the admission's own deadlines decide.
    if (outcome.kind === "unknown") return DONE;
    return Promise.resolve()
      .then(() => input.account().complete(ticket, outcome))
      .catch((err: unknown) => {
        // The slot and lock deadlines still free everything if this report is lost.
        console.error(
          JSON.stringify({ request_id: requestId, event: "completion_failed", error: String(err) }),
        );
      });
  };

  const pathWithQuery = `${route.path}${route.search}`;
  const built = originHeaders({
    incoming: request,
    withheld: input.withheld,
    originUrl: config.originUrl,
    pathWithQuery,
    identity: input.identity,
    requestId,
    idempotencyKey: input.idempotencyKey,
    signingSecret: config.signingSecret,
    nowMs: clock.now(),
  });
  const headers = built instanceof Promise ? await built : built;
  const body =
    BODYLESS_METHODS.has(request.method) || request.body === null
      ? null
      : (input.body ?? request.body);
  // An answer the account's object waits for must be read within the origin timeout, so the
  // exchange never outlives the lock and pending slot admission set for it.
  const tracked = ticket !== null && (ticket.slotId !== null || ticket.idempotency !== null);
  const breaker = breakerFor(config);
  const started = clock.now();
  const result = await exchangeWithOrigin(
    `${config.originUrl}${pathWithQuery}`,
    { method: request.method, headers, body },
    { timeoutMs: config.originTimeoutMs, bodyWithinDeadline: tracked },
  );
  const originMs = clock.now() - started;
  const answer = (reply: Response | GatewayError, settled: Promise<void> = DONE): Forwarded => ({
    answer: reply,
    originMs,
    settled,
  });

  // A probe that finds the origin still unanswering keeps the breaker open a while longer.
  const probeFailed = input.probe ? clock.now() + DEFAULT_ORIGIN_RETRY_SECONDS * 1000 : null;
  if (result.kind !== "answered") {
    breaker.record(probeFailed, input.probe);
    return answer(
      result.kind === "timeout"
        ? originUnavailable("origin_timeout", DEFAULT_ORIGIN_RETRY_SECONDS, "origin timeout")
        : originUnavailable("origin_unreachable", DEFAULT_ORIGIN_RETRY_SECONDS, result.reason),
    );
  }

  const { response: origin, exchange } = result;
  const now = clock.now();
  const pauseUntil =
    origin.status === 503 ? parseRetryAfter(origin.headers.get("Retry-After"), now) : null;
  breaker.record(pauseUntil, input.probe);
  const responseHeaders = clientHeaders(origin, config.originUrl);
  const storeForReplay = ticket?.idempotency != null;
  const describe = (seen: Uint8Array): OriginOutcome =>
    describeAnswer({
      status: origin.status,
      headers: responseHeaders,
      body: seen,
      storeForReplay,
      job: route.operation?.job ?? null,
    });

  if (origin.status >= 500) {
    const retryAfter =
      pauseUntil === null ? null : Math.max(1, Math.ceil((pauseUntil - now) / 1000));
    const bytes = await passThroughOrReplace5xx(origin, retryAfter);
    exchange.close();
    if (!(bytes instanceof Uint8Array)) {
      // The gateway's own envelope replaces the answer: never stored for replay.
      return answer(
        bytes,
        report({ kind: "answered", status: origin.status, submissionId: null, storable: null }),
      );
    }
    return answer(
      new Response(bytes, { status: origin.status, headers: responseHeaders }),
      report(describe(bytes)),
    );
  }

  // A get or cancel may show a held submission's run is over; the account's object said on
  // admission whether this id is one it could release.
  const watch = input.watchSubmission && route.jobId !== null;
  const finish = async (seen: Uint8Array | null): Promise<void> => {
    if (seen === null) return;
    await report(describe(seen));
    if (!watch || !endsJob(route.operation?.job ?? null, origin.status, seen)) return;
    const submissionId = route.jobId as string;
    await Promise.resolve()
      .then(() => input.account().releaseSubmission(submissionId, accountTerms(config)))
      .catch(() => false);
  };
  if (!tracked && !watch) {
    exchange.close();
    return answer(new Response(origin.body, { status: origin.status, headers: responseHeaders }));
  }
  if (origin.body === null) {
    exchange.close();
    return answer(
      new Response(null, { status: origin.status, headers: responseHeaders }),
      finish(new Uint8Array(0)),
    );
  }
  // The client's copy streams; the other is read for completion, within the deadline.
  const [toClient, toGateway] = origin.body.tee();
  return answer(
    new Response(toClient, { status: origin.status, headers: responseHeaders }),
    readAnswer(toGateway, exchange, requestId).then(finish),
  );
}

/**
 * The answer's body as the gateway saw it, or null when it could not be read to its end: over
 * the size kept for replay, cut mid-stream, or past the deadline. Then nobody knows what the
 * origin did with the request, and completion leaves its admission as it is.
 */
async function readAnswer(
  stream: ReadableStream<Uint8Array>,
  exchange: OpenExchange,
  requestId: string,
): Promise<Uint8Array | null> {
  let seen: Uint8Array | null = null;
  let why = "too_large";
  try {
    seen = await readLimited(stream, MAX_STORED_BODY_BYTES);
  } catch {
    why = exchange.timedOut() ? "deadline" : "broken";
  } finally {
    exchange.close();
  }
  if (seen === null) {
    console.warn(
      JSON.stringify({ request_id: requestId, event: "origin_answer_unread", reason: why }),
    );
  }
  return seen;
}
