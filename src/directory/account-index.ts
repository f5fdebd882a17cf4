import type { AccountRecord } from "../model/records";

type IndexRow = {
  id: string;
  record: string;
};

/**
 * Every account, by id, for the admin listing (`GET /accounts?prefix=`). Written by the Worker
 * after each account's own object accepted a create or an update, so it trails the objects by
 * at most the write in progress; the object stays the authority for one account.
 */
export class AccountIndex {
  constructor(private readonly sql: SqlStorage) {}

  put(account: AccountRecord): void {
    this.sql.exec(
      `INSERT INTO accounts (id, record) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record`,
      account.id,
      JSON.stringify(account),
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
