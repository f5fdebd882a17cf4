import type { Context } from "hono";
import { accountStub } from "../account/account-client";
import type { OriginOutcome } from "../account/types";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { readLimited } from "../streams/read-limited";
import { describeAnswer, finishesSubmission, MAX_STORED_BODY_BYTES } from "./completion";
import { breakerFor, parseRetryAfter } from "./origin-breaker";
import { exchangeWithOrigin } from "./origin-exchange";
import { originHeaders } from "./origin-request";
import {
  clientHeaders,
  DEFAULT_ORIGIN_RETRY_SECONDS,
  originUnavailable,
  passThroughOrReplace5xx,
} from "./origin-response";

const BODYLESS_METHODS = new Set(["GET", "HEAD"]);

/** The body to forward: the buffered bytes, or the client's stream (its length declared). */
function requestBody(c: Context<AppEnv>): BodyInit | null {
  const request = c.req.raw;
  if (BODYLESS_METHODS.has(request.method) || request.body === null) return null;
  return c.get("body") ?? request.body;
}

/**
 * Step 6: forward to the origin, stream the answer back, and finish the admission (store the
 * idempotent answer, hold or free the slot, refund the quota) after the response is sent.
 */
export function proxyToOrigin(clock: Clock) {
  return async function proxyHandler(c: Context<AppEnv>): Promise<Response> {
    const config = c.get("config");
    const route = c.get("route");
    const identity = c.get("identity");
    const requestId = c.get("requestId");
    const ticket = c.get("ticket");
    const idempotency = c.get("idempotency");
    const log = c.get("log");
    const pathWithQuery = `${route.path}${route.search}`;
    const breaker = breakerFor(config);
    // Reached only when there is something to report: a read let through on the fallback
    // limiter (its object unreachable) must not fail here.
    const stub = () => accountStub(c.env, identity.accountId);
    const finish = (outcome: OriginOutcome): void => {
      if (
        ticket === null ||
        (ticket.slotId === null && ticket.quotaDay === null && ticket.idempotency === null)
      ) {
        return;
      }
      c.executionCtx.waitUntil(
        Promise.resolve()
          .then(() => stub().complete(ticket, outcome))
          .catch((err: unknown) => {
            // The slot and lock deadlines still free everything if this report is lost.
            console.error(
              JSON.stringify({
                request_id: requestId,
                event: "completion_failed",
                error: String(err),
              }),
            );
          }),
      );
    };

    const headers = await originHeaders({
      incoming: c.req.raw,
      originUrl: config.originUrl,
      pathWithQuery,
      identity,
      requestId,
      idempotencyKey: idempotency?.key ?? null,
      signingSecret: config.signingSecret,
      nowMs: clock.now(),
    });
    const body = requestBody(c);
    const started = clock.now();
    const probe = c.get("breakerProbe");
    const result = await exchangeWithOrigin(
      `${config.originUrl}${pathWithQuery}`,
      { method: c.req.method, headers, body },
      config.originTimeoutMs,
    );
    log.originMs = clock.now() - started;

    // A probe that finds the origin still unanswering keeps the breaker open a while longer.
    const probeFailed = probe ? clock.now() + DEFAULT_ORIGIN_RETRY_SECONDS * 1000 : null;
    if (result.kind === "timeout") {
      finish({ kind: "timeout" });
      breaker.record(probeFailed, probe);
      throw originUnavailable("origin_timeout", DEFAULT_ORIGIN_RETRY_SECONDS, "origin timeout");
    }
    if (result.kind === "unreachable") {
      finish({ kind: "unreachable" });
      breaker.record(probeFailed, probe);
      throw originUnavailable("origin_unreachable", DEFAULT_ORIGIN_RETRY_SECONDS, result.reason);
    }

    const origin = result.response;
    const now = clock.now();
    const pauseUntil =
      origin.status === 503 ? parseRetryAfter(origin.headers.get("Retry-After"), now) : null;
    breaker.record(pauseUntil, probe);
    const responseHeaders = clientHeaders(origin, config.originUrl);
    const storeForReplay = ticket?.idempotency != null;

    if (origin.status >= 500) {
      const retryAfter =
        pauseUntil === null ? null : Math.max(1, Math.ceil((pauseUntil - now) / 1000));
      let bytes: Uint8Array;
      try {
        bytes = await passThroughOrReplace5xx(origin, retryAfter);
      } catch (err) {
        // The gateway's own envelope replaces the answer: never stored for replay.
        finish({ kind: "answered", status: origin.status, submissionId: null, storable: null });
        throw err;
      }
      finish(
        describeAnswer({
          status: origin.status,
          headers: responseHeaders,
          body: bytes,
          storeForReplay,
        }),
      );
      return new Response(bytes, { status: origin.status, headers: responseHeaders });
    }

    // A get or cancel may show a held submission's run is over; the account's object said on
    // admission whether this id is one it could release.
    const watch = c.get("watchSubmission") && route.submissionId !== null;
    const release = (body: Uint8Array | null): void => {
      if (!watch || !finishesSubmission(route.kind, origin.status, body)) return;
      const submissionId = route.submissionId as string;
      c.executionCtx.waitUntil(
        Promise.resolve()
          .then(() => stub().releaseSubmission(submissionId))
          .catch(() => false),
      );
    };
    if (!storeForReplay && ticket?.slotId == null && !watch) {
      return new Response(origin.body, { status: origin.status, headers: responseHeaders });
    }
    const answered = (body: Uint8Array | null) =>
      describeAnswer({ status: origin.status, headers: responseHeaders, body, storeForReplay });
    if (origin.body === null) {
      finish(answered(new Uint8Array(0)));
      release(null);
      return new Response(null, { status: origin.status, headers: responseHeaders });
    }

    // The client's copy streams; the other copy is read after the response for completion.
    const [toClient, toGateway] = origin.body.tee();
    c.executionCtx.waitUntil(
      (async () => {
        const seen = await readLimited(toGateway, MAX_STORED_BODY_BYTES).catch(() => null);
        if (storeForReplay && seen === null) {
          console.warn(
            JSON.stringify({
              request_id: requestId,
              event: "idempotent_answer_not_stored",
              reason: "too_large_or_broken",
            }),
          );
        }
        finish(answered(seen));
        release(seen);
      })(),
    );
    return new Response(toClient, { status: origin.status, headers: responseHeaders });
  };
}
