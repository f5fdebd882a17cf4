// A thin client for the gateway's admin API (GATEWAY.md section 4), shared by `npm start` and
// `npm run keys`. It returns every answer, 2xx or not, so callers decide how to report errors.

export interface AdminAnswer {
  status: number;
  ok: boolean;
  /** Parsed JSON when the body is JSON, else the raw text. */
  body: unknown;
}

export interface AdminClient {
  readonly baseUrl: string;
  request(method: string, path: string, body?: unknown): Promise<AdminAnswer>;
}

export const DEFAULT_ADMIN_TOKEN = "dev-admin-token";

export function createAdminClient(baseUrl: string, token: string): AdminClient {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    baseUrl: base,
    async request(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${base}/_gateway/admin${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === "" ? null : JSON.parse(text);
      } catch {
        // not JSON: keep the text so the caller can show it
      }
      return { status: response.status, ok: response.ok, body: parsed };
    },
  };
}

/** "409 duplicate_resource" style summary plus the full body, for error messages. */
export function describeAnswer(answer: AdminAnswer): string {
  const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2);
  return `HTTP ${answer.status}\n${body}`;
}

/** The envelope's error code, if the answer is one. */
export function errorCode(answer: AdminAnswer): string | undefined {
  const body = answer.body;
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const error = body.error;
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** A short text for a failed fetch (refused connection, timeout) without a stack trace. */
export function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
