import { describeFault } from "../observability/fault";

/**
 * One request to the origin: never follows redirects, and gives up at a deadline. The outcome
 * says which of the three ways it ended.
 *
 * workerd reports a refused connection and one lost after the request was sent with the same
 * error ("Network connection lost."), so `lost` never proves the origin did nothing.
 */
export type ExchangeResult =
  | { kind: "answered"; response: Response; exchange: OpenExchange }
  | { kind: "timeout" }
  | { kind: "lost"; reason: string };

/** An exchange whose answer is still arriving. */
export interface OpenExchange {
  /** The answer was read to its end (or given up on): the deadline no longer applies. */
  close(): void;
  /** True once the deadline cut the exchange, headers or body. */
  timedOut(): boolean;
}

export async function exchangeWithOrigin(
  url: string,
  init: { method: string; headers: Headers; body: BodyInit | null },
  options: {
    timeoutMs: number;
    /**
     * The deadline also covers the answer's body, until `close()`: for exchanges whose outcome
     * the account's object waits for (an idempotency lock, a pending slot), which must end
     * before the lock does, never while an answer is still trickling in.
     */
    bodyWithinDeadline: boolean;
  },
): Promise<ExchangeResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const exchange: OpenExchange = {
    close: () => clearTimeout(timer),
    timedOut: () => timedOut,
  };
  try {
    const response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: "manual",
      signal: controller.signal,
    });
    if (!options.bodyWithinDeadline) exchange.close();
    return { kind: "answered", response, exchange };
  } catch (err) {
    exchange.close();
    if (timedOut) return { kind: "timeout" };
    return {
      kind: "lost",
      reason: describeFault(err),
    };
  }
}
