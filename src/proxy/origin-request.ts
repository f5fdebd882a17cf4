import type { Identity } from "../model/records";
import { signRequest } from "./signature";

export interface OriginRequestInput {
  incoming: Request;
  /** Client header names that never reach the origin (validation/header-values.ts). */
  withheld: readonly string[];
  originUrl: string;
  /** Canonical path plus the original query string. */
  pathWithQuery: string;
  identity: Identity;
  requestId: string;
  /** The parsed key of an idempotency-processed request (forwarded unquoted). */
  idempotencyKey: string | null;
  signingSecret: string | undefined;
  nowMs: number;
}

/**
 * The headers the origin receives: the client's (copied whole by the runtime), minus those the
 * header scan found must be withheld — hop-by-hop headers, Authorization, Host and every client
 * `X-Gateway-*` in any spelling (so identity cannot be forged) — then the gateway's identity,
 * request id and idempotency key.
 */
export function originHeaders(input: OriginRequestInput): Headers | Promise<Headers> {
  const headers = new Headers(input.incoming.headers);
  for (const name of input.withheld) headers.delete(name);
  const { identity } = input;
  const scopes = identity.scopes.join(" ");
  headers.set("X-Gateway-Account-Id", identity.accountId);
  headers.set("X-Gateway-Key-Id", identity.keyId);
  headers.set("X-Gateway-Scopes", scopes);
  headers.set("X-Gateway-Tier", identity.tier);
  headers.set("X-Request-Id", input.requestId);
  // A processed key is forwarded unquoted (`"abc"` and `abc` are one key); on methods the
  // gateway does not process it for, the client's header passes as sent. Either way the
  // signature covers exactly the value the origin receives.
  if (input.idempotencyKey !== null) headers.set("Idempotency-Key", input.idempotencyKey);
  if (input.signingSecret === undefined) return headers;
  return signRequest(input.signingSecret, Math.floor(input.nowMs / 1000), {
    method: input.incoming.method,
    pathWithQuery: input.pathWithQuery,
    accountId: identity.accountId,
    keyId: identity.keyId,
    scopes,
    tier: identity.tier,
    requestId: input.requestId,
    idempotencyKey: headers.get("Idempotency-Key"),
  }).then((signature) => {
    headers.set("X-Gateway-Signature", signature);
    return headers;
  });
}
