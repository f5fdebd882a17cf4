/** Hop-by-hop headers (RFC 9110 section 7.6.1) plus the usual non-standard ones. */
const HOP_BY_HOP = new Set([
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

/** Removes hop-by-hop headers, including every header the Connection header names. */
export function stripHopByHop(headers: Headers): void {
  const named = (headers.get("Connection") ?? "")
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== "");
  for (const name of [...HOP_BY_HOP, ...named]) headers.delete(name);
}
