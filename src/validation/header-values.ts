import { GatewayError } from "../errors/gateway-error";

/** True when a field value holds a control character other than HTAB (RFC 9110 5.5). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/**
 * A header that would be forwarded as is and refused by the origin's HTTP server with a bare
 * 400 (no envelope) after the request was admitted and counted: refused here instead. Headers
 * the gateway replaces or drops before forwarding are not the origin's concern.
 */
export function headerValueRefusal(headers: Headers): GatewayError | null {
  for (const [name, value] of headers) {
    if (name === "x-request-id" || name === "authorization" || name.startsWith("x-gateway-")) {
      continue;
    }
    if (hasControlCharacter(value)) {
      return new GatewayError("invalid_parameter", {
        message: `The ${name} header contains control characters.`,
        details: { field: name },
      });
    }
  }
  return null;
}
