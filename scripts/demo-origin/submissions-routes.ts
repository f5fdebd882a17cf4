// The submissions API of the demo origin (/v1/submissions...). Identity comes from the
// gateway's headers, which the origin trusts: the gateway strips any client-sent X-Gateway-*.
import type { IncomingMessage } from "node:http";
import { type Answer, jsonAnswer, methodNotAllowed, OriginError } from "./http-util.ts";
import { type Submission, type SubmissionStore, submissionCost } from "./submissions-store.ts";

export interface Caller {
  accountId: string;
  tier: string | undefined;
  /** undefined when the header is absent (a direct call); then scopes are not enforced. */
  scopes: ReadonlySet<string> | undefined;
}

export interface SubmissionsContext {
  method: string;
  pathname: string;
  query: URLSearchParams;
  /** The whole request body, read (within MAX_BODY_BYTES) before the route runs. */
  body: Buffer;
  caller: Caller;
  store: SubmissionStore;
  /** Told of every submission the store actually created (for the test stats). */
  onCreated?: (submission: Submission) => void;
}

/** Largest request body the API reads. */
export const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** Fields the origin sets itself; a create body may not carry them. */
const RESERVED_FIELDS = [
  "id",
  "status",
  "created_at",
  "started_at",
  "finished_at",
  "credits_charged",
];

/** The caller's identity from the gateway headers; 401 when the account header is missing. */
export function callerOf(req: IncomingMessage): Caller {
  const accountId = req.headers["x-gateway-account-id"];
  if (typeof accountId !== "string" || accountId.length === 0) {
    throw new OriginError(
      401,
      "missing_credentials",
      "This request did not come through the gateway (no X-Gateway-Account-Id).",
      {},
      { "www-authenticate": "Bearer" },
    );
  }
  const tier = req.headers["x-gateway-tier"];
  const scopes = req.headers["x-gateway-scopes"];
  return {
    accountId,
    tier: typeof tier === "string" ? tier : undefined,
    scopes: typeof scopes === "string" ? new Set(scopes.split(" ").filter(Boolean)) : undefined,
  };
}

export function renderSubmission(submission: Submission): Record<string, unknown> {
  const iso = (ms: number | null): string | null =>
    ms === null ? null : new Date(ms).toISOString();
  return {
    id: submission.id,
    status: submission.status,
    created_at: iso(submission.createdAt),
    started_at: iso(submission.startedAt),
    finished_at: iso(submission.finishedAt),
    credits_charged: submission.creditsCharged,
    ...submission.params,
  };
}

/**
 * Routes /v1/submissions, /v1/submissions/{id} and /v1/submissions/{id}/cancel and returns the
 * answer (errors are thrown as OriginError); undefined when the path is none of them.
 */
export function handleSubmissions(ctx: SubmissionsContext): Answer | undefined {
  const { pathname, method } = ctx;
  if (pathname === "/v1/submissions" || pathname === "/v1/submissions/") {
    if (method === "POST") return create(ctx);
    if (method === "GET") return list(ctx);
    throw methodNotAllowed("GET, POST");
  }
  if (!pathname.startsWith("/v1/submissions/")) return undefined;
  const rest = pathname.slice("/v1/submissions/".length).split("/");
  const id = rest[0] ?? "";
  if (rest.length === 1) {
    if (method === "GET") return show(ctx, id);
    if (method === "DELETE") return remove(ctx, id);
    throw methodNotAllowed("GET, DELETE");
  }
  if (rest.length === 2 && rest[1] === "cancel") {
    if (method === "POST") return cancel(ctx, id);
    throw methodNotAllowed("POST");
  }
  return undefined;
}

// Defence in depth: the gateway already checks scopes, but when it forwards them the origin
// refuses too, so a gateway bug shows up as a 403 rather than a silent write.
function requireScope(caller: Caller, scope: string): void {
  if (caller.scopes !== undefined && !caller.scopes.has(scope)) {
    throw new OriginError(403, "scope_required", `This endpoint requires the ${scope} scope.`, {
      required_scope: scope,
    });
  }
}

function findOwn(ctx: SubmissionsContext, id: string): Submission {
  const submission = ctx.store.get(ctx.caller.accountId, id);
  if (submission === undefined) {
    throw new OriginError(404, "not_found", `No submission ${id} in this account.`);
  }
  return submission;
}

function positiveInteger(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new OriginError(400, "invalid_body", `${field} must be a positive integer.`, { field });
  }
  return value;
}

function create(ctx: SubmissionsContext): Answer {
  requireScope(ctx.caller, "submissions:write");
  let body: unknown;
  try {
    body = JSON.parse(ctx.body.toString("utf8"));
  } catch {
    throw new OriginError(400, "invalid_body", "The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new OriginError(400, "invalid_body", "The request body must be a JSON object.");
  }
  const params = body as Record<string, unknown>;
  if (params.name !== undefined && typeof params.name !== "string") {
    throw new OriginError(400, "invalid_body", "name must be a string.", { field: "name" });
  }
  const numGenerations = positiveInteger(params, "num_generations");
  const numGenes = positiveInteger(params, "num_genes");
  for (const field of RESERVED_FIELDS) {
    if (field in params) {
      throw new OriginError(422, "validation_failed", `${field} is set by the platform.`, {
        field,
      });
    }
  }
  // Consistency rule of the demo platform: every generation mutates at most one new gene, so a
  // run cannot ask for more genes than it has generations (num_genes <= num_generations).
  if (numGenerations !== undefined && numGenes !== undefined && numGenes > numGenerations) {
    throw new OriginError(
      422,
      "validation_failed",
      "num_genes cannot be larger than num_generations.",
      { field: "num_genes", num_genes: numGenes, num_generations: numGenerations },
    );
  }
  const result = ctx.store.create(ctx.caller.accountId, params, submissionCost(numGenerations));
  if (!result.ok) {
    throw new OriginError(
      402,
      "insufficient_credits",
      `This run needs ${result.required} credits; the account has ${result.balance}.`,
      { required: result.required, balance: result.balance },
    );
  }
  ctx.onCreated?.(result.submission);
  return jsonAnswer(201, renderSubmission(result.submission), {
    location: `/v1/submissions/${result.submission.id}`,
  });
}

// The cursor is opaque to clients: base64url of the creation sequence of the last item shown.
function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString("base64url");
}

function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^s[1-9][0-9]{0,15}$/.test(text)) return undefined;
  return Number(text.slice(1));
}

function list(ctx: SubmissionsContext): Answer {
  requireScope(ctx.caller, "submissions:read");
  let limit = DEFAULT_LIMIT;
  const rawLimit = ctx.query.get("limit");
  if (rawLimit !== null) {
    limit = /^[0-9]{1,3}$/.test(rawLimit) ? Number(rawLimit) : 0;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new OriginError(400, "invalid_parameter", "limit must be an integer from 1 to 100.", {
        field: "limit",
      });
    }
  }
  let beforeSeq: number | undefined;
  const rawCursor = ctx.query.get("cursor");
  if (rawCursor !== null && rawCursor !== "") {
    beforeSeq = rawCursor.length <= 256 ? decodeCursor(rawCursor) : undefined;
    if (beforeSeq === undefined) {
      throw new OriginError(400, "invalid_parameter", "cursor is not one this API returned.", {
        field: "cursor",
      });
    }
  }
  const page = ctx.store.list(ctx.caller.accountId, limit, beforeSeq);
  const last = page.items[page.items.length - 1];
  return jsonAnswer(200, {
    data: page.items.map(renderSubmission),
    next_cursor: page.more && last !== undefined ? encodeCursor(last.seq) : null,
  });
}

function show(ctx: SubmissionsContext, id: string): Answer {
  requireScope(ctx.caller, "submissions:read");
  return jsonAnswer(200, renderSubmission(findOwn(ctx, id)));
}

function cancel(ctx: SubmissionsContext, id: string): Answer {
  requireScope(ctx.caller, "submissions:write");
  const submission = findOwn(ctx, id);
  if (!ctx.store.cancel(submission)) {
    throw new OriginError(
      409,
      "state_conflict",
      `Submission ${id} is already ${submission.status} and cannot be cancelled.`,
      { status: submission.status },
    );
  }
  return jsonAnswer(200, renderSubmission(submission));
}

function remove(ctx: SubmissionsContext, id: string): Answer {
  requireScope(ctx.caller, "submissions:write");
  const submission = findOwn(ctx, id);
  ctx.store.delete(submission);
  return jsonAnswer(200, { id: submission.id, deleted: true });
}
