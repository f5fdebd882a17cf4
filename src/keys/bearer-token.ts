import { GatewayError } from "../errors/gateway-error";
import { isWellFormedApiKey } from "./key-format";

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
  if (value === "") return new GatewayError("missing_credentials");
  const space = value.indexOf(" ");
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== "bearer") {
    return new GatewayError("invalid_credentials", { internalReason: "scheme" });
  }
  const token = space === -1 ? "" : value.slice(space + 1).trim();
  if (token === "") return new GatewayError("missing_credentials");
  if (!isWellFormedApiKey(token, prefix)) {
    return new GatewayError("invalid_credentials", { internalReason: "malformed" });
  }
  return token;
}
