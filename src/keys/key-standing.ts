import { GatewayError } from "../errors/gateway-error";
import type { KeyDirectoryEntry } from "./key-directory";

/**
 * The edge copy of a key when it lets its request go on, else the refusal: an unknown (or
 * revoked) and an expired key get the same 401 `invalid_credentials` so nothing leaks; a
 * disabled or unverified account is 401 `account_disabled`. Shared by the authenticate
 * middleware and the edge's synchronous lane so both answer alike.
 */
export function usableKey(
  entry: KeyDirectoryEntry | null,
  now: number,
): KeyDirectoryEntry | GatewayError {
  if (entry === null) return UNKNOWN;
  if (entry.expires_at !== null && entry.expires_at <= now) return EXPIRED;
  if (entry.account_status !== "active") return DISABLED;
  return entry;
}

// Built once: they carry nothing of the request (see bearer-token.ts).
const UNKNOWN = Object.freeze(
  new GatewayError("invalid_credentials", { internalReason: "unknown" }),
);
const EXPIRED = Object.freeze(
  new GatewayError("invalid_credentials", { internalReason: "expired" }),
);
const DISABLED = Object.freeze(new GatewayError("account_disabled"));
