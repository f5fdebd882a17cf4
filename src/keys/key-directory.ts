import type { AccountRecord, AccountStatus, KeyRecord, Scope } from "../model/records";

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

/**
 * How long this isolate reuses a lookup. KV's own edge cache already serves reads up to a
 * minute old; a few seconds here spare the read for a client that sends many requests (or a
 * flood repeating one unknown key). Whatever binds — revocation, disabling, scope removal — is
 * re-checked by the account's object on every admitted request, and this isolate's own admin
 * writes drop the copy at once.
 */
const LOOKUP_TTL_MS = 5_000;
const MAX_CACHED_LOOKUPS = 10_000;

type CachedLookup = { entry: KeyDirectoryEntry | null; until: number };

/**
 * The isolate's lookups of one KV namespace, known keys and unknown ones apart: anyone can mint
 * well-formed unknown keys (the checksum is public), and a flood of them must not push the
 * keys of real callers out. Each side is bounded and evicts its oldest entry when full.
 */
class LookupCache {
  private readonly known = new Map<string, CachedLookup>();
  private readonly unknown = new Map<string, CachedLookup>();

  get(digest: string): CachedLookup | undefined {
    return this.known.get(digest) ?? this.unknown.get(digest);
  }

  set(digest: string, lookup: CachedLookup): void {
    const side = lookup.entry === null ? this.unknown : this.known;
    (lookup.entry === null ? this.known : this.unknown).delete(digest);
    side.delete(digest);
    if (side.size >= MAX_CACHED_LOOKUPS) {
      const oldest = side.keys().next();
      if (oldest.done !== true) side.delete(oldest.value);
    }
    side.set(digest, lookup);
  }

  delete(digest: string): void {
    this.known.delete(digest);
    this.unknown.delete(digest);
  }
}

const lookups = new WeakMap<KVNamespace, LookupCache>();

function cacheOf(kv: KVNamespace): LookupCache {
  let cache = lookups.get(kv);
  if (cache === undefined) {
    cache = new LookupCache();
    lookups.set(kv, cache);
  }
  return cache;
}

const directories = new WeakMap<KVNamespace, KeyDirectory>();

/** The directory of one KV namespace (one per binding, so none is made per request). */
export function keyDirectory(kv: KVNamespace): KeyDirectory {
  let directory = directories.get(kv);
  if (directory === undefined) {
    directory = new KeyDirectory(kv);
    directories.set(kv, directory);
  }
  return directory;
}

export class KeyDirectory {
  constructor(private readonly kv: KVNamespace) {}

  /**
   * This isolate's copy of a lookup, without any I/O: the entry, null for a key known not to
   * exist, undefined when nothing recent is known (then only `lookup` can say).
   */
  peek(digest: string, now: number): KeyDirectoryEntry | null | undefined {
    const cached = cacheOf(this.kv).get(digest);
    return cached !== undefined && cached.until > now ? cached.entry : undefined;
  }

  async lookup(digest: string, now: number): Promise<KeyDirectoryEntry | null> {
    const cached = this.peek(digest, now);
    if (cached !== undefined) return cached;
    const cache = cacheOf(this.kv);
    const entry = await this.kv.get<KeyDirectoryEntry>(`${DIGEST_PREFIX}${digest}`, "json");
    cache.set(digest, { entry, until: now + LOOKUP_TTL_MS });
    return entry;
  }

  locate(keyId: string): Promise<KeyIndexEntry | null> {
    return this.kv.get<KeyIndexEntry>(`${ID_PREFIX}${keyId}`, "json");
  }

  /** Writes (or refreshes) both records of a live key; a revoked key is removed instead. */
  async publish(key: KeyRecord, account: AccountRecord): Promise<void> {
    cacheOf(this.kv).delete(key.digest);
    const index: KeyIndexEntry = { account_id: account.id, digest: key.digest };
    if (key.revoked_at !== null) {
      await Promise.all([
        this.kv.delete(`${DIGEST_PREFIX}${key.digest}`),
        this.kv.put(`${ID_PREFIX}${key.id}`, JSON.stringify(index)),
      ]);
      cacheOf(this.kv).delete(key.digest);
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
    // Again after the write, in case a lookup cached the old copy meanwhile.
    cacheOf(this.kv).delete(key.digest);
  }
}
