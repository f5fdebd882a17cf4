import { GatewayError } from "../../errors/gateway-error";
import { bearerToken } from "../../keys/bearer-token";
import { type KeyDirectoryEntry, keyDirectory } from "../../keys/key-directory";
import { digestApiKey } from "../../keys/key-format";
import { usableKey } from "../../keys/key-standing";
import { describeFault } from "../../observability/fault";
import type { ApiRequest } from "../api-request";
import { storeUnavailable } from "../refusals";
import type { PipelineDeps } from "./step";

/**
 * Step 2 of the contract's order: the bearer key. Format and checksum first, with no I/O at
 * all; then the key's edge copy, from this isolate's recent lookups or else one KV read (the
 * pipeline's first possible I/O). Unknown, revoked, expired and malformed keys get the same
 * answer so nothing leaks; the account's object re-checks on admission.
 */
export function authenticate(
  req: ApiRequest,
  deps: PipelineDeps,
): GatewayError | undefined | Promise<GatewayError | undefined> {
  const token = bearerToken(req.request.headers.get("Authorization"), req.config.policy.key_prefix);
  if (token instanceof GatewayError) return token;
  const digest = digestApiKey(token);
  const now = deps.clock.now();
  let lookup: Promise<KeyDirectoryEntry | null>;
  try {
    const directory = keyDirectory(req.env.KEYS);
    const known = directory.peek(digest, now);
    if (known !== undefined) return settle(req, digest, known, now);
    lookup = directory.lookup(digest, now);
  } catch (err) {
    return keyStoreUnavailable(err);
  }
  return lookup.then((entry) => settle(req, digest, entry, deps.clock.now()), keyStoreUnavailable);
}

/** The key store failing is an outage, not a verdict on the key: retry, never "bad key". */
function keyStoreUnavailable(err: unknown): GatewayError {
  const reason = describeFault(err);
  return storeUnavailable("key_store_unavailable", reason);
}

function settle(
  req: ApiRequest,
  digest: string,
  entry: KeyDirectoryEntry | null,
  now: number,
): GatewayError | undefined {
  if (entry !== null) {
    req.caller = {
      accountId: entry.account_id,
      keyId: entry.key_id,
      keyDigest: digest,
      scopes: entry.scopes,
      tier: entry.tier,
    };
  }
  const key = usableKey(entry, now);
  if (key instanceof GatewayError) return key;
  req.usable = true;
  return undefined;
}
