/**
 * The path Hono routes on, as sent: Hono's default percent-decodes it, which would let
 * `/%5Fgateway/admin/...` reach the admin API under a spelling that path-based protections in
 * front of the gateway do not match. Only the literal `/_gateway/...` spelling reaches gateway
 * endpoints; any other spelling is a gateway-owned path answered 404 by gatewayPathNotFound.
 */
export function rawPath(request: Request): string {
  return rawPathOf(request.url);
}

/** The same, from the request's URL string (read once by callers that also need its query). */
export function rawPathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf(":") + 3);
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}
