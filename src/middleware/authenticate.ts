import { createMiddleware } from "hono/factory";
import type { Clock } from "../clock";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors/gateway-error";
import { bearerToken } from "../keys/bearer-token";
import { KeyDirectory, type KeyDirectoryEntry } from "../keys/key-directory";
import { digestApiKey } from "../keys/key-format";
import { usableKey } from "../keys/key-standing";

/**
 * Step 2 of the contract's order: the bearer key. Format and checksum are checked first, with
 * no I/O at all; then one KV read by digest. Unknown, revoked, expired and malformed keys get
 * the same answer so nothing leaks (usableKey). The account's Durable Object re-checks on
 * admission.
 */
export function authenticate(clock: Clock) {
  return createMiddleware<AppEnv>(async function authenticateMiddleware(c, next) {
    const token = bearerToken(c.req.header("Authorization"), c.get("config").policy.key_prefix);
    if (token instanceof GatewayError) throw token;
    const digest = digestApiKey(token);
    let entry: KeyDirectoryEntry | null;
    try {
      entry = await new KeyDirectory(c.env.KEYS).lookup(digest, clock.now());
    } catch (err) {
      // The key store failing is a transient outage, not a verdict on the key: the client is
      // told to retry (503 with Retry-After), never that its key is bad, and never a crash.
      throw new GatewayError("service_unavailable", {
        message: "The service is temporarily unavailable.",
        details: { reason: "key_store_unavailable" },
        retryAfter: 1,
        internalReason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
    const log = c.get("log");
    log.accountId = entry?.account_id ?? null;
    log.keyId = entry?.key_id ?? null;
    const key = usableKey(entry, clock.now());
    if (key instanceof GatewayError) throw key;
    c.set("identity", {
      accountId: key.account_id,
      keyId: key.key_id,
      keyDigest: digest,
      scopes: key.scopes,
      tier: key.tier,
    });
    await next();
  });
}
