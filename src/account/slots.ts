/**
 * In-flight submission slots. A slot is taken when a create is admitted (pending: its deadline
 * is the origin timeout plus a margin, so a request that died mid-way frees it), then either
 * deleted at once (the origin did not create) or held under the submission's id until a release
 * or `max_submission_seconds`. Deleting the row is the only way a slot is freed, so it can never
 * be freed twice.
 */
export class Slots {
  constructor(private readonly sql: SqlStorage) {}

  /** Drops slots whose deadline has passed; returns how many. */
  expire(now: number): number {
    return this.sql.exec("DELETE FROM slots WHERE deadline <= ?", now).rowsWritten;
  }

  used(now: number): number {
    this.expire(now);
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM slots").one().n;
  }

  take(slotId: string, requestId: string, now: number, deadline: number): void {
    this.sql.exec(
      "INSERT INTO slots (id, request_id, taken_at, deadline) VALUES (?, ?, ?, ?)",
      slotId,
      requestId,
      now,
      deadline,
    );
  }

  /** Binds a pending slot to the submission the origin created; false if another holds the id. */
  hold(slotId: string, submissionId: string, now: number, deadline: number): boolean {
    // A second create answered with an id already held would collide on the unique index;
    // the older slot keeps the id and this one is freed instead.
    const clash = this.sql
      .exec("SELECT 1 FROM slots WHERE submission_id = ? AND id <> ?", submissionId, slotId)
      .toArray();
    if (clash.length > 0) {
      this.free(slotId);
      return false;
    }
    const updated = this.sql.exec(
      "UPDATE slots SET submission_id = ?, deadline = ? WHERE id = ?",
      submissionId,
      deadline,
      slotId,
    ).rowsWritten;
    if (updated === 0) {
      // The pending slot expired before this (slow) completion arrived, yet the origin did
      // create the submission: it runs, so it is held again rather than lost from the count.
      this.sql.exec(
        "INSERT INTO slots (id, submission_id, request_id, taken_at, deadline) VALUES (?, ?, '', ?, ?)",
        slotId,
        submissionId,
        now,
        deadline,
      );
    }
    return true;
  }

  free(slotId: string): boolean {
    return this.sql.exec("DELETE FROM slots WHERE id = ?", slotId).rowsWritten > 0;
  }

  /** True when releasing this id could free something: it is held, or a create is pending. */
  mayRelease(submissionId: string): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM slots WHERE submission_id = ? OR submission_id IS NULL LIMIT 1",
          submissionId,
        )
        .toArray().length > 0
    );
  }

  releaseSubmission(submissionId: string): boolean {
    return this.sql.exec("DELETE FROM slots WHERE submission_id = ?", submissionId).rowsWritten > 0;
  }

  /**
   * A release that found no held slot while some slot is still pending: the create that made
   * the submission may not have reported its completion yet. Remembered until `expiresAt`.
   */
  rememberEarlyRelease(submissionId: string, now: number, expiresAt: number): void {
    this.sql.exec("DELETE FROM early_releases WHERE expires_at <= ?", now);
    const pending = this.sql
      .exec("SELECT 1 FROM slots WHERE submission_id IS NULL LIMIT 1")
      .toArray();
    if (pending.length === 0) return;
    this.sql.exec(
      "INSERT OR REPLACE INTO early_releases (submission_id, expires_at) VALUES (?, ?)",
      submissionId,
      expiresAt,
    );
  }

  /** True (once) when the submission was reported finished before its slot could be held. */
  takeEarlyRelease(submissionId: string, now: number): boolean {
    return (
      this.sql.exec(
        "DELETE FROM early_releases WHERE submission_id = ? AND expires_at > ?",
        submissionId,
        now,
      ).rowsWritten > 0
    );
  }

  /** Creates admitted whose outcome is not known yet. */
  pendingCount(now: number): number {
    this.expire(now);
    return this.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM slots WHERE submission_id IS NULL")
      .one().n;
  }

  heldSubmissions(): string[] {
    return this.sql
      .exec<{ submission_id: string }>(
        "SELECT submission_id FROM slots WHERE submission_id IS NOT NULL ORDER BY taken_at",
      )
      .toArray()
      .map((row) => row.submission_id);
  }

  nextDeadline(): number | null {
    return this.sql.exec<{ d: number | null }>("SELECT min(deadline) AS d FROM slots").one().d;
  }
}
