import type { OriginOutcome, StoredResponse } from "../account/contract";
import { parsePointer, valueAt } from "../routes/json-pointer";
import type { JobRole } from "../routes/operation";

/** Answers that mean "not processed, retry": they free the Idempotency-Key instead of storing. */
export const NOT_PROCESSED_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 502, 503, 504]);

/**
 * Largest origin answer kept for idempotent replay (stored in 1 MiB pieces). A larger answer is
 * passed to the client but not stored, and the key is freed (logged), because a truncated replay
 * would not be the same answer.
 */
export const MAX_STORED_BODY_BYTES = 8 * 1024 * 1024;

/** Headers that describe this exchange rather than the answer, so are not replayed. */
const NOT_STORED_HEADERS = new Set([
  "x-request-id",
  "ratelimit",
  "ratelimit-policy",
  "date",
  "set-cookie",
  "retry-after",
]);

export function storableHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(
    [...headers].filter(([name]) => !NOT_STORED_HEADERS.has(name.toLowerCase())),
  );
}

function jsonValue(body: Uint8Array | null): unknown {
  if (body === null) return null;
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
}

function stringField(value: unknown, field: string): string | null {
  if (typeof value !== "object" || value === null) return null;
  const found = (value as Record<string, unknown>)[field];
  return typeof found === "string" ? found : null;
}

/**
 * The origin's own "still processing this key" (409 `idempotency_key_in_progress`): it means
 * "not processed, retry" like a 429, so storing it would answer the key with a 409 for a day.
 * It happens when a retry after the gateway's lock ended meets the first run still at work.
 */
function isOriginInProgress(status: number, body: Uint8Array | null): boolean {
  if (status !== 409) return false;
  const envelope = jsonValue(body);
  const error =
    typeof envelope === "object" && envelope !== null
      ? (envelope as { error?: unknown }).error
      : null;
  return stringField(error, "code") === "idempotency_key_in_progress";
}

/** The string at a JSON pointer of an answer's JSON body, or null. */
function stringAt(body: Uint8Array | null, pointer: string): string | null {
  const tokens = parsePointer(pointer);
  if (tokens === null) return null;
  const found = valueAt(jsonValue(body), tokens);
  return typeof found === "string" ? found : null;
}

/** What completion needs from an origin answer (any status passed to the client), once read. */
export function describeAnswer(input: {
  status: number;
  headers: Headers;
  body: Uint8Array | null;
  storeForReplay: boolean;
  /** The operation's job role: a 2xx job start carries the job's id. */
  job: JobRole | null;
}): OriginOutcome {
  const created = input.status >= 200 && input.status < 300;
  const storable: StoredResponse | null =
    input.storeForReplay &&
    input.body !== null &&
    !NOT_PROCESSED_STATUSES.has(input.status) &&
    !isOriginInProgress(input.status, input.body)
      ? { status: input.status, headers: storableHeaders(input.headers), body: input.body }
      : null;
  return {
    kind: "answered",
    status: input.status,
    submissionId:
      created && input.job?.role === "start" ? stringAt(input.body, input.job.idPointer) : null,
    storable,
  };
}

/** Whether a 2xx answer shows the job's run is over: a job end, or a read of a terminal status. */
export function endsJob(job: JobRole | null, status: number, body: Uint8Array | null): boolean {
  if (job === null || status < 200 || status >= 300) return false;
  if (job.role === "end") return true;
  if (job.role !== "read") return false;
  const state = stringAt(body, job.statusPointer);
  return state !== null && job.terminal.has(state);
}
