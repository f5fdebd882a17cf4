import type { Operation } from "./operation";

/**
 * The route table compiled from the route document (compile-routes.ts). Paths are matched on a
 * canonical form (empty segments dropped, dot segments resolved, static segments compared
 * case-insensitively after percent-decoding, `%2F` and `%5C` as separators), so `//v1/x/`,
 * `/V1/SUBMISSIONS` or `/v1/%73ubmissions` cannot slip past a route's checks; the canonical
 * path is what the origin receives.
 */
export interface RouteMatch {
  /** The operation the document gives this method on this path; null: any valid key, cost 1. */
  operation: Operation | null;
  /** Path parameters of the matched template, decoded (as the origin's JSON spells them). */
  params: Readonly<Record<string, string>>;
  /** The job this request reads or ends (its id parameter), when its operation has one. */
  jobId: string | null;
  /** Canonical path (no query) forwarded to the origin. */
  path: string;
  /** The query string as received, with its `?` (or empty), forwarded unchanged. */
  search: string;
  /** True for paths whose first segment is `_gateway` in any spelling: never proxied. */
  gatewayOwned: boolean;
}

/** One path of the document: its segments (null where a parameter stands) and operations. */
export interface Template {
  template: string;
  segments: readonly string[];
  params: readonly (string | null)[];
  operations: ReadonlyMap<string, Operation>;
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
 * `/x/..%2Fv1/submissions` would be matched as some other path here and arrive at the origin as
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

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

export class RouteTable {
  /** Templates by segment count, each with its static segments lower-cased for matching. */
  private readonly bySize = new Map<number, { template: Template; lowered: (string | null)[] }[]>();

  constructor(
    readonly templates: readonly Template[],
    /** The scopes the document declares: the only ones a key may hold. */
    readonly scopes: readonly string[],
  ) {
    for (const template of templates) {
      const lowered = template.segments.map((segment, i) =>
        template.params[i] === null ? segment.toLowerCase() : null,
      );
      const list = this.bySize.get(template.segments.length) ?? [];
      list.push({ template, lowered });
      this.bySize.set(template.segments.length, list);
    }
  }

  match(method: string, rawPath: string, search = ""): RouteMatch {
    const { raw, decoded } = canonicalSegments(rawPath);
    const lowered = decoded.map((segment) => segment.toLowerCase());
    const gatewayOwned = lowered[0] === "_gateway";
    for (const { template, lowered: statics } of this.bySize.get(raw.length) ?? []) {
      if (!statics.every((segment, i) => segment === null || segment === lowered[i])) continue;
      // The template's own spelling of static segments, the client's of parameters.
      const path = `/${raw
        .map((segment, i) => (statics[i] === null ? segment : template.segments[i]))
        .join("/")}`;
      const operation =
        template.operations.get(method) ??
        // HEAD reads like GET: it must not skip the read scope.
        (method === "HEAD" ? (template.operations.get("GET") ?? null) : null);
      let params = NO_PARAMS;
      if (template.params.some((name) => name !== null)) {
        const found: Record<string, string> = {};
        template.params.forEach((name, i) => {
          if (name !== null) found[name] = decoded[i] as string;
        });
        params = found;
      }
      const job = operation?.job ?? null;
      const jobId = job !== null && job.role !== "start" ? (params[job.idParam] ?? null) : null;
      return { operation, params, jobId, path, search, gatewayOwned };
    }
    return {
      operation: null,
      params: NO_PARAMS,
      jobId: null,
      path: `/${raw.join("/")}`,
      search,
      gatewayOwned,
    };
  }
}
