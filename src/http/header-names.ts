/**
 * Header names the gateway owns or strips on the way to the origin, matched the way the
 * origin's framework may read them: CGI-style servers (WSGI, Rack, PHP) fold `_` and `-` into
 * one variable, so `X-Gateway_Tier` would reach them as the gateway's own `X-Gateway-Tier`.
 * Every comparison here is on the canonical name: lowercase, `_` read as `-`.
 */

/** Hop-by-hop headers (RFC 9110 section 7.6.1) plus the usual non-standard ones. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers the gateway sets itself on the origin request (besides `x-gateway-*`). */
const GATEWAY_SET: ReadonlySet<string> = new Set(["x-request-id", "idempotency-key"]);

/** `name` as CGI-style origins see it (lowercase, `_` as `-`); Headers names are lowercase. */
export function canonicalHeaderName(name: string): string {
  return name.includes("_") ? name.replaceAll("_", "-") : name;
}

/** The header names a `Connection` value lists, canonical. */
export function connectionNamed(connection: string | null): ReadonlySet<string> {
  const named = new Set<string>();
  if (connection === null) return named;
  for (const token of connection.split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "") named.add(canonicalHeaderName(name));
  }
  return named;
}

/** True for a hop-by-hop header, or one the Connection header named. */
export function isHopByHop(canonical: string, named: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(canonical) || named.has(canonical);
}

/**
 * True for a client header that never reaches the origin: hop-by-hop ones, `Authorization`,
 * `Host`, every `X-Gateway-*`, and any underscore spelling of a header the gateway sets (the
 * gateway's own value is added under the dash spelling after this filter).
 */
export function isWithheldFromOrigin(
  name: string,
  canonical: string,
  named: ReadonlySet<string>,
): boolean {
  if (isHopByHop(canonical, named)) return true;
  if (canonical === "authorization" || canonical === "host") return true;
  if (canonical.startsWith("x-gateway-")) return true;
  return canonical !== name && GATEWAY_SET.has(canonical);
}

/**
 * Removes hop-by-hop headers in place (an origin's answer), including every header the
 * Connection header names: by name, without walking every header of the answer.
 */
export function stripHopByHop(headers: Headers): void {
  const connection = headers.get("Connection");
  if (connection !== null) for (const name of connectionNamed(connection)) headers.delete(name);
  for (const name of HOP_BY_HOP) headers.delete(name);
}
