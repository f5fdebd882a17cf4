import type { StoredResponse } from "./contract";

/** How long a key and its stored answer are kept (contract: 24 h). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

/** Bodies up to this size sit in the record itself; larger ones are split into pieces of it. */
const CHUNK_BYTES = 1024 * 1024;

export type IdempotencyLookup =
  | { state: "absent" }
  | { state: "mismatch" }
  | { state: "in_progress"; retryInMs: number }
  | { state: "completed"; response: StoredResponse };

interface IdempotencyRow extends Record<string, SqlStorageValue> {
  fingerprint: string;
  claim_id: string;
  state: string;
  lock_expires_at: number;
  expires_at: number;
  status: number | null;
  headers: string | null;
  body: ArrayBuffer | null;
}

/**
 * Idempotency records of one account. A key is claimed (in progress, with a lock that expires
 * after the origin timeout plus a margin) before the origin is called, then either completed
 * with the stored answer or deleted so the client may retry.
 */
export class IdempotencyStore {
  constructor(private readonly sql: SqlStorage) {}

  private row(key: string): IdempotencyRow | undefined {
    return this.sql
      .exec<IdempotencyRow>(
        `SELECT fingerprint, claim_id, state, lock_expires_at, expires_at, status, headers, body
         FROM idempotency WHERE key = ?`,
        key,
      )
      .toArray()[0];
  }

  /** The fingerprint is checked first, on every path: a stored record never skips it. */
  lookup(key: string, fingerprint: string, now: number): IdempotencyLookup {
    const row = this.row(key);
    if (row === undefined || row.expires_at <= now) return { state: "absent" };
    if (row.state === "in_progress" && row.lock_expires_at <= now) return { state: "absent" };
    if (row.fingerprint !== fingerprint) return { state: "mismatch" };
    if (row.state === "in_progress") {
      // A polling hint: the first request's answer usually lands within a second.
      return { state: "in_progress", retryInMs: 1000 };
    }
    return {
      state: "completed",
      response: {
        status: row.status ?? 200,
        headers: JSON.parse(row.headers ?? "{}") as Record<string, string>,
        body: row.body === null ? this.readChunks(key) : new Uint8Array(row.body),
      },
    };
  }

  private readChunks(key: string): Uint8Array {
    const pieces = this.sql
      .exec<{ data: ArrayBuffer }>(
        "SELECT data FROM idempotency_chunks WHERE key = ? ORDER BY seq",
        key,
      )
      .toArray()
      .map((row) => new Uint8Array(row.data));
    const body = new Uint8Array(pieces.reduce((total, piece) => total + piece.byteLength, 0));
    let offset = 0;
    for (const piece of pieces) {
      body.set(piece, offset);
      offset += piece.byteLength;
    }
    return body;
  }

  claim(key: string, fingerprint: string, claimId: string, now: number, lockMs: number): void {
    this.sql.exec("DELETE FROM idempotency_chunks WHERE key = ?", key);
    this.sql.exec(
      `INSERT INTO idempotency (key, fingerprint, claim_id, state, lock_expires_at, expires_at)
       VALUES (?, ?, ?, 'in_progress', ?, ?)
       ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint,
         claim_id = excluded.claim_id, state = 'in_progress',
         lock_expires_at = excluded.lock_expires_at, expires_at = excluded.expires_at,
         status = NULL, headers = NULL, body = NULL`,
      key,
      fingerprint,
      claimId,
      now + lockMs,
      now + IDEMPOTENCY_RETENTION_MS,
    );
  }

  /** Stores the answer, only if this claim still owns the key. */
  complete(key: string, claimId: string, response: StoredResponse): boolean {
    const inline = response.body.byteLength <= CHUNK_BYTES;
    const stored =
      this.sql.exec(
        `UPDATE idempotency SET state = 'completed', status = ?, headers = ?, body = ?
         WHERE key = ? AND claim_id = ? AND state = 'in_progress'`,
        response.status,
        JSON.stringify(response.headers),
        inline ? response.body : null,
        key,
        claimId,
      ).rowsWritten > 0;
    if (stored && !inline) {
      for (let seq = 0; seq * CHUNK_BYTES < response.body.byteLength; seq++) {
        this.sql.exec(
          "INSERT INTO idempotency_chunks (key, seq, data) VALUES (?, ?, ?)",
          key,
          seq,
          response.body.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES),
        );
      }
    }
    return stored;
  }

  /** Frees the key so the client may retry ("not processed"), only if this claim owns it. */
  release(key: string, claimId: string): boolean {
    return (
      this.sql.exec(
        "DELETE FROM idempotency WHERE key = ? AND claim_id = ? AND state = 'in_progress'",
        key,
        claimId,
      ).rowsWritten > 0
    );
  }

  expire(now: number): void {
    this.sql.exec(
      `DELETE FROM idempotency_chunks WHERE key IN (SELECT key FROM idempotency
         WHERE expires_at <= ? OR (state = 'in_progress' AND lock_expires_at <= ?))`,
      now,
      now,
    );
    this.sql.exec(
      `DELETE FROM idempotency WHERE expires_at <= ?
         OR (state = 'in_progress' AND lock_expires_at <= ?)`,
      now,
      now,
    );
  }

  nextDeadline(): number | null {
    return this.sql
      .exec<{ d: number | null }>(
        `SELECT min(CASE WHEN state = 'in_progress' THEN lock_expires_at ELSE expires_at END)
         AS d FROM idempotency`,
      )
      .one().d;
  }
}
