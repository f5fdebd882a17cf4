import type { AccountRecord, AccountStatus, KeyRecord, Scope } from "../account/types";

/**
 * The edge's copy of each key, in KV, for the lookup every request makes before any Durable
 * Object is touched. Keyed by the SHA-256 digest of the key: the plaintext is never stored.
 * The account's Durable Object stays the authority; see storage-schema.md.
 */
export interface KeyDirectoryEntry {
  key_id: string;
  account_id: string;
  scopes: Scope[];
  tier: string;
  account_status: AccountStatus;
  /** Milliseconds since the epoch; null: never expires. */
  expires_at: number | null;
}

/** Where a key id lives, for the admin API's `/keys/{id}` calls. */
export interface KeyIndexEntry {
  account_id: string;
  digest: string;
}

const DIGEST_PREFIX = "key:";
const ID_PREFIX = "key-id:";

export class KeyDirectory {
  constructor(private readonly kv: KVNamespace) {}

  lookup(digest: string): Promise<KeyDirectoryEntry | null> {
    return this.kv.get<KeyDirectoryEntry>(`${DIGEST_PREFIX}${digest}`, "json");
  }

  locate(keyId: string): Promise<KeyIndexEntry | null> {
    return this.kv.get<KeyIndexEntry>(`${ID_PREFIX}${keyId}`, "json");
  }

  /** Writes (or refreshes) both records of a live key; a revoked key is removed instead. */
  async publish(key: KeyRecord, account: AccountRecord): Promise<void> {
    const index: KeyIndexEntry = { account_id: account.id, digest: key.digest };
    if (key.revoked_at !== null) {
      await Promise.all([
        this.kv.delete(`${DIGEST_PREFIX}${key.digest}`),
        this.kv.put(`${ID_PREFIX}${key.id}`, JSON.stringify(index)),
      ]);
      return;
    }
    const entry: KeyDirectoryEntry = {
      key_id: key.id,
      account_id: account.id,
      scopes: key.scopes,
      tier: account.tier,
      account_status: account.status,
      expires_at: key.expires_at,
    };
    await Promise.all([
      this.kv.put(`${DIGEST_PREFIX}${key.digest}`, JSON.stringify(entry)),
      this.kv.put(`${ID_PREFIX}${key.id}`, JSON.stringify(index)),
    ]);
  }
}
