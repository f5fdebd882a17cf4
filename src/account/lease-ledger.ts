import type { BankLease, LeaseLedger } from "../leases/lease-bank";

interface LeaseRow extends Record<string, SqlStorageValue> {
  id: string;
  key_id: string;
  units: number;
  granted_at: number;
  expires_at: number;
  expired: number;
}

/**
 * The bank's leases in the account's SQLite (`leases`): outstanding ones, and those that
 * expired unreported and can still be corrected. A restarted object restores both, so a
 * granted unit is never forgotten.
 */
export class SqlLeaseLedger implements LeaseLedger {
  constructor(private readonly sql: SqlStorage) {}

  restore(): { outstanding: BankLease[]; expired: BankLease[] } {
    const outstanding: BankLease[] = [];
    const expired: BankLease[] = [];
    for (const row of this.sql.exec<LeaseRow>("SELECT * FROM leases").toArray()) {
      const lease: BankLease = {
        id: row.id,
        keyId: row.key_id,
        units: row.units,
        grantedAt: row.granted_at,
        expiresAt: row.expires_at,
      };
      (row.expired === 1 ? expired : outstanding).push(lease);
    }
    return { outstanding, expired };
  }

  save(lease: BankLease): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO leases (id, key_id, units, granted_at, expires_at, expired)
       VALUES (?, ?, ?, ?, ?, 0)`,
      lease.id,
      lease.keyId,
      lease.units,
      lease.grantedAt,
      lease.expiresAt,
    );
  }

  drop(leaseId: string): void {
    this.sql.exec("DELETE FROM leases WHERE id = ?", leaseId);
  }

  markExpired(leaseId: string): void {
    this.sql.exec("UPDATE leases SET expired = 1 WHERE id = ?", leaseId);
  }
}
