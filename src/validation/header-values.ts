import { GatewayError } from "../errors/gateway-error";
import { canonicalHeaderName, connectionNamed, isWithheldFromOrigin } from "../http/header-names";

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

/** What one pass over a request's headers found. */
export interface HeaderScan {
  /** The 400 for a header the gateway will not pass on, or null. */
  refusal: GatewayError | null;
  /** Names (as Headers iterates them) that must not reach the origin (http/header-names.ts). */
  withheld: string[];
}

/**
 * One pass over the client's headers, for validation and forwarding both: a method or URL
 * override (any spelling) or a value the origin's HTTP server would refuse with a bare 400 (no
 * envelope) after the request was admitted and counted is refused here; and the names that
 * never reach the origin are collected, so the forwarded copy only has to drop them. Headers
 * the gateway replaces or drops are not checked for their values: they are not the origin's
 * concern.
 */
export function scanHeaders(headers: Headers): HeaderScan {
  const named = connectionNamed(headers.get("Connection"));
  const withheld: string[] = [];
  for (const [name, value] of headers) {
    const canonical = canonicalHeaderName(name);
    if (OVERRIDE_HEADERS.has(canonical)) {
      return {
        refusal: new GatewayError("invalid_parameter", {
          message: `The ${name} header is not accepted: send the method and path you mean.`,
          details: { field: name },
        }),
        withheld,
      };
    }
    if (isWithheldFromOrigin(name, canonical, named)) {
      withheld.push(name);
      continue;
    }
    if (canonical === "x-request-id") continue;
    if (hasControlCharacter(value)) {
      return {
        refusal: new GatewayError("invalid_parameter", {
          message: `The ${name} header contains control characters.`,
          details: { field: name },
        }),
        withheld,
      };
    }
  }
  return { refusal: null, withheld };
}
