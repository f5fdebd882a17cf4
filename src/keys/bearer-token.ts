import { GatewayError } from "../errors/gateway-error";
import { isWellFormedApiKey } from "./key-format";

// These refusals carry nothing of the request (its id is added when the answer is rendered), so
// each is built once: a flood of bad keys does not make an error object per request.
const MISSING = Object.freeze(new GatewayError("missing_credentials"));
const OTHER_SCHEME = Object.freeze(
  new GatewayError("invalid_credentials", { internalReason: "scheme" }),
);
const MALFORMED = Object.freeze(
  new GatewayError("invalid_credentials", { internalReason: "malformed" }),
);

/**
 * The API key in an Authorization header, or the 401 to answer, decided with no I/O at all:
 * missing header or `Bearer` with nothing after it, another scheme, a malformed key or a bad
 * checksum. Unknown, revoked, expired and malformed keys share one answer so nothing leaks.
 */
export function bearerToken(
  header: string | null | undefined,
  prefix: string,
): string | GatewayError {
  const value = header?.trim() ?? "";
  if (value === "") return MISSING;
  const space = value.indexOf(" ");
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== "bearer") return OTHER_SCHEME;
  const token = space === -1 ? "" : value.slice(space + 1).trim();
  if (token === "") return MISSING;
  if (!isWellFormedApiKey(token, prefix)) return MALFORMED;
  return token;
}
