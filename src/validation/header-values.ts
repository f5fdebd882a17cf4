import { GatewayError } from "../errors/gateway-error";
import { canonicalHeaderName } from "../http/header-names";

/** True when a field value holds a control character other than HTAB (RFC 9110 5.5). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/**
 * Headers that make many frameworks run another method or route than the request line says
 * (Rails, Express's method-override, Symfony, IIS): a read-only key could send `POST` +
 * `X-HTTP-Method-Override: DELETE`. The gateway checks scopes on the request line, so it refuses
 * these rather than pass them on (or drop them and run a method the client did not mean).
 */
const OVERRIDE_HEADERS: ReadonlySet<string> = new Set([
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-original-url",
  "x-rewrite-url",
]);

/**
 * The 400 for a header the gateway will not pass on: a method or URL override (any spelling),
 * or a value the origin's HTTP server would refuse with a bare 400 (no envelope) after the
 * request was admitted and counted. Headers the gateway replaces or drops before forwarding are
 * not the origin's concern.
 */
export function headerValueRefusal(headers: Headers): GatewayError | null {
  for (const [name, value] of headers) {
    const canonical = canonicalHeaderName(name);
    if (OVERRIDE_HEADERS.has(canonical)) {
      return new GatewayError("invalid_parameter", {
        message: `The ${name} header is not accepted: send the method and path you mean.`,
        details: { field: name },
      });
    }
    if (
      canonical === "x-request-id" ||
      canonical === "authorization" ||
      canonical.startsWith("x-gateway-")
    ) {
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
