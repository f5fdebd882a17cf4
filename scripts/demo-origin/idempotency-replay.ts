// Idempotency-Key de-duplication, as the gateway asks of every origin: a gateway crash or an
// ambiguous network failure can make it send one request twice, so a keyed write is executed
// once per account and key, and a repeat of it gets the stored answer back, byte for byte.
import { createHash } from "node:crypto";
import { type Answer, errorAnswer, OriginError } from "./http-util.ts";

/** How long an answer is kept for replay, from the first request's arrival. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;
/** Memory bounds: past either one, the oldest keys are forgotten first. */
export const MAX_IDEMPOTENCY_KEYS = 10_000;
export const MAX_STORED_BODY_BYTES = 64 * 1024 * 1024;

/** The methods the gateway forwards a processed Idempotency-Key on. */
export const KEYED_METHODS: ReadonlySet<string> = new Set(["POST", "PATCH", "DELETE"]);
/** The headers an answer is replayed with; the others describe one exchange, not the answer. */
const STORED_HEADERS = ["content-type", "location"] as const;

export interface KeyedRequest {
  accountId: string;
  key: string;
  method: string;
  /** Path and query string as received. */
  target: string;
  body: Buffer;
}

interface Entry {
  /** Of method, target and body: a repeat must match it to be replayed. */
  fingerprint: string;
  expiresAt: number;
  /** undefined while the first request is still executing. */
  answer: Answer | undefined;
}

export interface IdempotencyReplayOptions {
  now: () => number;
  retentionMs?: number;
  maxKeys?: number;
  maxStoredBodyBytes?: number;
}

/** Answers that mean "not processed, retry": they free the key instead of being stored. */
export function isNotProcessed(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function fingerprintOf(request: KeyedRequest): string {
  // The JSON array delimits method and target, so no two requests share the hashed bytes.
  return createHash("sha256")
    .update(JSON.stringify([request.method, request.target]))
    .update(request.body)
    .digest("base64url");
}

export class IdempotencyReplay {
  readonly #now: () => number;
  readonly #retentionMs: number;
  readonly #maxKeys: number;
  readonly #maxStoredBodyBytes: number;
  /** By account and key, oldest first (a Map keeps insertion order; entries are never moved). */
  readonly #entries = new Map<string, Entry>();
  #storedBodyBytes = 0;

  constructor(options: IdempotencyReplayOptions) {
    this.#now = options.now;
    this.#retentionMs = options.retentionMs ?? IDEMPOTENCY_RETENTION_MS;
    this.#maxKeys = options.maxKeys ?? MAX_IDEMPOTENCY_KEYS;
    this.#maxStoredBodyBytes = options.maxStoredBodyBytes ?? MAX_STORED_BODY_BYTES;
  }

  /**
   * Runs `execute` for the first request with this account and key and stores its answer; a
   * repeat (same method, target and body) gets that answer with `Idempotent-Replayed: true`,
   * another request under the key a 422 `idempotency_key_mismatch`, and a repeat while the
   * first still executes a 409 `idempotency_key_in_progress`. Not-processed answers, a throw,
   * or no answer at all (undefined: the client left before the route ran) free the key.
   */
  async run(
    request: KeyedRequest,
    requestId: string,
    execute: () => Promise<Answer | undefined>,
  ): Promise<Answer | undefined> {
    const now = this.#now();
    this.#dropExpired(now);
    const id = `${request.accountId}\n${request.key}`;
    const fingerprint = fingerprintOf(request);

    const found = this.#entries.get(id);
    if (found !== undefined && found.expiresAt > now) {
      if (found.fingerprint !== fingerprint) return errorAnswer(mismatch(), requestId);
      if (found.answer === undefined) return errorAnswer(inProgress(), requestId);
      return {
        ...found.answer,
        headers: { ...found.answer.headers, "idempotent-replayed": "true" },
      };
    }
    if (found !== undefined) this.#delete(id, found);

    const entry: Entry = { fingerprint, expiresAt: now + this.#retentionMs, answer: undefined };
    this.#entries.set(id, entry);
    this.#evictOverBounds();
    let answer: Answer | undefined;
    try {
      answer = await execute();
    } finally {
      // The entry may have been evicted (or expired and replaced) meanwhile: then leave it be.
      if (this.#entries.get(id) === entry) {
        if (answer === undefined || isNotProcessed(answer.status)) this.#delete(id, entry);
        else this.#store(entry, answer);
      }
    }
    return answer;
  }

  /** Keys held (executing or stored); for tests. */
  get size(): number {
    return this.#entries.size;
  }

  #store(entry: Entry, answer: Answer): void {
    const headers: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    entry.answer = { status: answer.status, headers, body: answer.body };
    this.#storedBodyBytes += answer.body.length;
    this.#evictOverBounds();
  }

  #delete(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#storedBodyBytes -= entry.answer?.body.length ?? 0;
  }

  /** Every entry lives equally long, so the expired ones are at the front. */
  #dropExpired(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) return;
      this.#delete(id, entry);
    }
  }

  #evictOverBounds(): void {
    for (const [id, entry] of this.#entries) {
      if (
        this.#entries.size <= this.#maxKeys &&
        this.#storedBodyBytes <= this.#maxStoredBodyBytes
      ) {
        return;
      }
      this.#delete(id, entry);
    }
  }
}

function mismatch(): OriginError {
  return new OriginError(
    422,
    "idempotency_key_mismatch",
    "The same Idempotency-Key was reused with a different request.",
  );
}

function inProgress(): OriginError {
  return new OriginError(
    409,
    "idempotency_key_in_progress",
    "A request with the same Idempotency-Key is still being processed.",
    { retry_after: 1 },
    { "retry-after": "1" },
  );
}
