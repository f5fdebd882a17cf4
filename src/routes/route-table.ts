import type { Scope } from "../model/records";

/**
 * The route table of contract section 6. Paths are matched on a canonical form (empty segments
 * dropped, static segments compared case-insensitively after percent-decoding), so `//v1/x/`,
 * `/V1/SUBMISSIONS` or `/v1/%73ubmissions` cannot slip past a route's checks; the canonical
 * path is what the origin receives.
 */
export type RouteKind =
  | "create_submission"
  | "list_submissions"
  | "get_submission"
  | "cancel_submission"
  | "delete_submission"
  | "other";

export interface RouteMatch {
  kind: RouteKind;
  /** null: any valid key. */
  scope: Scope | null;
  /** The submission id of `/v1/submissions/{id}` routes. */
  submissionId: string | null;
  /** Canonical path (no query) forwarded to the origin. */
  path: string;
  /** The query string as received, with its `?` (or empty), forwarded unchanged. */
  search: string;
  /** True for paths whose first segment is `_gateway` in any spelling: never proxied. */
  gatewayOwned: boolean;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Separators: `/`, and its percent-encoded spellings `%2F` and `%5C` (a backslash), which many
 * origins (WSGI, servers that fold `\\` into `/`) decode into separators. Splitting on them here
 * keeps the gateway's view of the path the origin's view, so `/v1%2Fsubmissions` gets the create
 * route's checks and `/_gateway%2Fadmin` is never proxied.
 */
const SEPARATOR = /\/|%2f|%5c/i;

/**
 * The path's segments with empty ones dropped and dot segments (in any spelling: `.`, `%2e`,
 * `..`, `%2E%2E`) resolved, as the origin's URL parser would resolve them; otherwise
 * `/x/..%2Fv1/submissions` would be classified as "other" here and arrive at the origin as
 * `/v1/submissions`.
 */
function canonicalSegments(rawPath: string): { raw: string[]; decoded: string[] } {
  const raw: string[] = [];
  const decoded: string[] = [];
  // Without a `%` only `/` separates and nothing decodes: a plain split, no regex, no decoding.
  const encoded = rawPath.includes("%");
  for (const segment of encoded ? rawPath.split(SEPARATOR) : rawPath.split("/")) {
    if (segment === "") continue;
    const value = encoded ? decodeSegment(segment) : segment;
    if (value === ".") continue;
    if (value === "..") {
      raw.pop();
      decoded.pop();
      continue;
    }
    raw.push(segment);
    decoded.push(value);
  }
  return { raw, decoded };
}

export function matchRoute(method: string, rawPath: string, search = ""): RouteMatch {
  const { raw: segments, decoded } = canonicalSegments(rawPath);
  const path = `/${segments.join("/")}`;
  const lowered = decoded.map((segment) => segment.toLowerCase());
  const gatewayOwned = lowered[0] === "_gateway";
  const base = { submissionId: null, path, search, gatewayOwned };
  if (lowered[0] !== "v1" || lowered[1] !== "submissions") {
    return { ...base, kind: "other", scope: null };
  }
  const canonicalBase = "/v1/submissions";
  if (segments.length === 2) {
    if (method === "POST") {
      return {
        ...base,
        path: canonicalBase,
        kind: "create_submission",
        scope: "submissions:write",
      };
    }
    // HEAD reads like GET: it must not skip the read scope.
    if (method === "GET" || method === "HEAD") {
      return { ...base, path: canonicalBase, kind: "list_submissions", scope: "submissions:read" };
    }
    return { ...base, path: canonicalBase, kind: "other", scope: null };
  }
  const id = segments[2] as string;
  // The id as the origin's JSON spells it (decoded), for matching held slots; the path keeps
  // the client's encoding.
  const withId = { ...base, submissionId: decoded[2] as string, path: `${canonicalBase}/${id}` };
  if (segments.length === 3) {
    if (method === "GET" || method === "HEAD") {
      return { ...withId, kind: "get_submission", scope: "submissions:read" };
    }
    if (method === "DELETE") {
      return { ...withId, kind: "delete_submission", scope: "submissions:write" };
    }
  }
  if (segments.length === 4 && lowered[3] === "cancel" && method === "POST") {
    return {
      ...withId,
      path: `${canonicalBase}/${id}/cancel`,
      kind: "cancel_submission",
      scope: "submissions:write",
    };
  }
  return { ...base, kind: "other", scope: null };
}
