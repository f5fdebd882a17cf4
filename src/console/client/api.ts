// The admin API over fetch: the credential goes in the Authorization header of each call and
// nowhere else (no cookie, no URL). Every failure becomes an AdminApiError carrying what the
// operator needs to report it: the code, the message and the request id.
import type { ErrorEnvelope } from "./api-types";

const ADMIN_BASE = "/_gateway/admin";
const TIMEOUT_MS = 15_000;

export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    code: string,
    message: string,
    requestId: string | null,
    details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "AdminApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

type Query = Readonly<Record<string, string | number | undefined>>;

function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = body.error;
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    "message" in error &&
    typeof error.message === "string"
  );
}

/** A path under /_gateway/admin with each segment encoded, e.g. `path("keys", id, "rotate")`. */
export function path(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join("/")}`;
}

export interface AdminApiOptions {
  credential: string;
  /** Told of every 401: the credential no longer works (revoked, or the token changed). */
  onUnauthorized?: (error: AdminApiError) => void;
}

export class AdminApi {
  readonly #credential: string;
  readonly #onUnauthorized: (error: AdminApiError) => void;

  constructor({ credential, onUnauthorized = () => {} }: AdminApiOptions) {
    this.#credential = credential;
    this.#onUnauthorized = onUnauthorized;
  }

  get<T>(resource: string, query: Query = {}): Promise<T> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") search.set(name, String(value));
    }
    const text = search.toString();
    return this.#call<T>("GET", text === "" ? resource : `${resource}?${text}`);
  }

  post<T>(resource: string, body: unknown = {}): Promise<T> {
    return this.#call<T>("POST", resource, body);
  }

  patch<T>(resource: string, body: unknown): Promise<T> {
    return this.#call<T>("PATCH", resource, body);
  }

  delete<T>(resource: string): Promise<T> {
    return this.#call<T>("DELETE", resource);
  }

  async #call<T>(method: string, resource: string, body?: unknown): Promise<T> {
    const headers = new Headers({
      Authorization: `Bearer ${this.#credential}`,
      Accept: "application/json",
    });
    if (body !== undefined) headers.set("Content-Type", "application/json");
    let response: Response;
    try {
      response = await fetch(`${ADMIN_BASE}${resource}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        redirect: "error",
        referrerPolicy: "no-referrer",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      throw new AdminApiError(
        0,
        "network_error",
        timedOut
          ? `The gateway did not answer within ${TIMEOUT_MS / 1000} s.`
          : "The gateway could not be reached.",
        null,
      );
    }
    const requestId = response.headers.get("X-Request-Id");
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok && parsed !== undefined) return parsed as T;
    const error = isEnvelope(parsed)
      ? new AdminApiError(
          response.status,
          parsed.error.code,
          parsed.error.message,
          parsed.error.request_id ?? requestId,
          parsed.error.details ?? {},
        )
      : new AdminApiError(
          response.status,
          "unexpected_response",
          `HTTP ${response.status}, not the admin API's JSON.`,
          requestId,
        );
    if (response.status === 401) this.#onUnauthorized(error);
    throw error;
  }
}
