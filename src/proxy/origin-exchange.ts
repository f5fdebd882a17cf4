/**
 * One request to the origin: never follows redirects, and gives up after the configured
 * timeout. The outcome says which of the three ways it ended.
 */
export type ExchangeResult =
  | { kind: "answered"; response: Response }
  | { kind: "timeout" }
  | { kind: "unreachable"; reason: string };

export async function exchangeWithOrigin(
  url: string,
  init: { method: string; headers: Headers; body: BodyInit | null },
  timeoutMs: number,
): Promise<ExchangeResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: "manual",
      signal: controller.signal,
    });
    return { kind: "answered", response };
  } catch (err) {
    if (timedOut) return { kind: "timeout" };
    return {
      kind: "unreachable",
      reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}
