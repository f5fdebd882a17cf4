/**
 * `X-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` so the origin can prove a request
 * came through the gateway. The signed string is the lines, joined by "\n":
 * t, method, path with query, account id, key id, scopes, tier, request id, idempotency key
 * (empty when none). README.md "Verifying requests at the origin" shows the check.
 */
export interface SignedFields {
  method: string;
  pathWithQuery: string;
  accountId: string;
  keyId: string;
  scopes: string;
  tier: string;
  requestId: string;
  idempotencyKey: string | null;
}

import { toHex } from "../encoding/hex";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    keys.set(secret, key);
  }
  return key;
}

export function signingString(unixSeconds: number, fields: SignedFields): string {
  return [
    String(unixSeconds),
    fields.method,
    fields.pathWithQuery,
    fields.accountId,
    fields.keyId,
    fields.scopes,
    fields.tier,
    fields.requestId,
    fields.idempotencyKey ?? "",
  ].join("\n");
}

export async function signRequest(
  secret: string,
  unixSeconds: number,
  fields: SignedFields,
): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(signingString(unixSeconds, fields)),
  );
  const hex = toHex(new Uint8Array(mac));
  return `t=${unixSeconds},v1=${hex}`;
}
