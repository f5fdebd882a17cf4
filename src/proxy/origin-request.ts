import type { Identity } from "../env";
import { stripHopByHop } from "./hop-by-hop";
import { signRequest } from "./signature";

export interface OriginRequestInput {
  incoming: Request;
  originUrl: string;
  /** Canonical path plus the original query string. */
  pathWithQuery: string;
  identity: Identity;
  requestId: string;
  idempotencyKey: string | null;
  signingSecret: string | undefined;
  nowMs: number;
}

/**
 * The headers the origin receives: the client's, minus hop-by-hop headers, Authorization and
 * every client `X-Gateway-*` (so identity cannot be forged), plus the gateway's identity.
 */
export async function originHeaders(input: OriginRequestInput): Promise<Headers> {
  const headers = new Headers(input.incoming.headers);
  stripHopByHop(headers);
  headers.delete("Authorization");
  headers.delete("Host");
  for (const name of [...headers.keys()]) {
    if (name.startsWith("x-gateway-")) headers.delete(name);
  }
  const { identity } = input;
  const scopes = identity.scopes.join(" ");
  headers.set("X-Gateway-Account-Id", identity.accountId);
  headers.set("X-Gateway-Key-Id", identity.keyId);
  headers.set("X-Gateway-Scopes", scopes);
  headers.set("X-Gateway-Tier", identity.tier);
  headers.set("X-Request-Id", input.requestId);
  // A processed key is forwarded unquoted (`"abc"` and `abc` are one key); on methods the
  // gateway does not process it for, the client's header passes as sent.
  if (input.idempotencyKey !== null) headers.set("Idempotency-Key", input.idempotencyKey);
  if (input.signingSecret !== undefined) {
    headers.set(
      "X-Gateway-Signature",
      await signRequest(input.signingSecret, Math.floor(input.nowMs / 1000), {
        method: input.incoming.method,
        pathWithQuery: input.pathWithQuery,
        accountId: identity.accountId,
        keyId: identity.keyId,
        scopes,
        tier: identity.tier,
        requestId: input.requestId,
        idempotencyKey: input.idempotencyKey,
      }),
    );
  }
  return headers;
}
