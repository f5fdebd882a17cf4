import type { AuditEntry } from "../audit/audit-entry";
import { type AuditRow, entryOf } from "../audit/audit-store";

/** Entries sent to the directory per call. */
const BATCH = 100;

/** After a failed send, the object's alarm tries again this much later. */
export const AUDIT_RETRY_MS = 60_000;

/**
 * The account's audit entries not yet copied to the admin directory (migration 11: `copied`).
 * The object sends them right after each mutation and, when that fails, from its alarm until
 * they arrive; the directory keeps each entry once (by id), so a repeat is harmless.
 */
export class AuditOutbox {
  /** When a failed send is tried again (null: nothing is waiting). */
  retryAt: number | null = null;

  constructor(private readonly sql: SqlStorage) {}

  pending(): AuditEntry[] {
    return this.sql
      .exec<AuditRow>("SELECT * FROM audit WHERE copied = 0 ORDER BY seq LIMIT ?", BATCH)
      .toArray()
      .map(entryOf);
  }

  markCopied(entries: readonly AuditEntry[]): void {
    for (const entry of entries) {
      this.sql.exec("UPDATE audit SET copied = 1 WHERE id = ?", entry.id);
    }
  }
}
