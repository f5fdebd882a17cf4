import {
  AUDIT_RETENTION_MS,
  type AuditAction,
  type AuditEntry,
  type AuditFilter,
} from "./audit-entry";

/** The table, for the schema of each object that keeps a log. */
export const AUDIT_TABLE = `CREATE TABLE audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT NOT NULL,
     account_id TEXT,
     request_id TEXT NOT NULL,
     before TEXT,
     after TEXT
   );
   CREATE INDEX audit_at ON audit (at);
   CREATE INDEX audit_actor ON audit (actor, at);
   CREATE INDEX audit_account ON audit (account_id, at);`;

export type AuditRow = {
  id: string;
  at: number;
  actor: string;
  action: string;
  target: string;
  account_id: string | null;
  request_id: string;
  before: string | null;
  after: string | null;
};

/** A stored row as an entry. */
export function entryOf(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action as AuditAction,
    target: row.target,
    accountId: row.account_id,
    requestId: row.request_id,
    before: row.before,
    after: row.after,
  };
}

/** An audit log in one object's SQLite: appended, queried newest first, pruned after 90 days. */
export class AuditStore {
  constructor(private readonly sql: SqlStorage) {}

  append(entry: AuditEntry): void {
    this.sql.exec(
      `INSERT INTO audit (id, at, actor, action, target, account_id, request_id, before, after)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      entry.id,
      entry.at,
      entry.actor,
      entry.action,
      entry.target,
      entry.accountId,
      entry.requestId,
      entry.before,
      entry.after,
    );
  }

  /**
   * The newest entry's sequence number (0 for none): it grows with every change recorded (the
   * table is AUTOINCREMENT, so a pruned number is never reused, and a change always adds an
   * entry newer than any pruned one).
   */
  revision(): number {
    return (
      this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM audit").one().seq ?? 0
    );
  }

  /** Newest first, `from` ≤ at ≤ `to`. */
  query(filter: AuditFilter): AuditEntry[] {
    const where = ["at >= ?", "at <= ?"];
    const args: (string | number)[] = [filter.from, filter.to];
    if (filter.accountId !== null) {
      where.push("account_id = ?");
      args.push(filter.accountId);
    }
    if (filter.actor !== null) {
      where.push("actor = ?");
      args.push(filter.actor);
    }
    return this.sql
      .exec<AuditRow>(
        `SELECT * FROM audit WHERE ${where.join(" AND ")} ORDER BY at DESC, seq DESC LIMIT ?`,
        ...args,
        filter.limit,
      )
      .toArray()
      .map(entryOf);
  }

  prune(now: number): void {
    this.sql.exec("DELETE FROM audit WHERE at < ?", now - AUDIT_RETENTION_MS);
  }

  /** When the oldest entry passes its retention (pruned at most daily after that). */
  nextDeadline(): number | null {
    const oldest = this.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM audit").one().at;
    return oldest === null ? null : oldest + AUDIT_RETENTION_MS + 86_400_000;
  }
}
