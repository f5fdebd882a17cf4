/** Scopes an admin credential may hold (contract section 11). */
export const ADMIN_SCOPES = ["admin:read", "admin:write"] as const;
export type AdminScope = (typeof ADMIN_SCOPES)[number];

export interface CredentialRecord {
  id: string;
  name: string;
  scopes: AdminScope[];
  /** Lowercase hex SHA-256 of the secret: the only form of it that is stored. */
  digest: string;
  created_at: number;
  revoked_at: number | null;
}

type CredentialRow = {
  id: string;
  name: string;
  scopes: string;
  digest: string;
  created_at: number;
  revoked_at: number | null;
};

function fromRow(row: CredentialRow): CredentialRecord {
  return { ...row, scopes: JSON.parse(row.scopes) as AdminScope[] };
}

/** Admin credentials in the directory's SQLite; a revoked one stays listed, never usable. */
export class CredentialStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(record: CredentialRecord): void {
    this.sql.exec(
      `INSERT INTO credentials (id, name, scopes, digest, created_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      record.id,
      record.name,
      JSON.stringify(record.scopes),
      record.digest,
      record.created_at,
      record.revoked_at,
    );
  }

  get(id: string): CredentialRecord | null {
    const row = this.sql
      .exec<CredentialRow>("SELECT * FROM credentials WHERE id = ?", id)
      .toArray()[0];
    return row === undefined ? null : fromRow(row);
  }

  list(): CredentialRecord[] {
    return this.sql
      .exec<CredentialRow>("SELECT * FROM credentials ORDER BY created_at, id")
      .toArray()
      .map(fromRow);
  }

  revoke(id: string, now: number): void {
    this.sql.exec(
      "UPDATE credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
      now,
      id,
    );
  }
}
