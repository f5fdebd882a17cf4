import type { AccountRecord } from "../model/records";

type IndexRow = {
  id: string;
  record: string;
};

/**
 * Every account, by id, for the admin listing (`GET /accounts?prefix=`). Written by the Worker
 * after each account's own object accepted a create or an update, so it trails the objects by
 * at most the writes in progress; the object stays the authority for one account.
 */
export class AccountIndex {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Keeps the account as of `revision` (its object's count of changes), unless a newer one is
   * already here: concurrent admin writes may arrive in any order, the newest wins.
   */
  put(account: AccountRecord, revision: number): void {
    this.sql.exec(
      `INSERT INTO accounts (id, record, revision) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record, revision = excluded.revision
       WHERE excluded.revision >= accounts.revision`,
      account.id,
      JSON.stringify(account),
      revision,
    );
  }

  /** Accounts whose id starts with `prefix`, in id order, after `cursor` (an id). */
  list(prefix: string, limit: number, cursor: string | null): AccountRecord[] {
    // A range on the primary key, not LIKE: `_` and `%` are ordinary characters in an id.
    const upper = `${prefix}\u{10ffff}`;
    const after = cursor !== null && cursor >= prefix ? cursor : null;
    const rows = this.sql
      .exec<IndexRow>(
        after === null
          ? "SELECT id, record FROM accounts WHERE id >= ? AND id < ? ORDER BY id LIMIT ?"
          : "SELECT id, record FROM accounts WHERE id > ? AND id < ? ORDER BY id LIMIT ?",
        after ?? prefix,
        upper,
        limit,
      )
      .toArray();
    return rows.map((row) => JSON.parse(row.record) as AccountRecord);
  }
}
