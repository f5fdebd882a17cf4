// Tells the gateway that a submission reached a terminal state, so it frees the account's
// in-flight slot at once instead of waiting for max_submission_seconds (GATEWAY.md section 5).
// Fire and forget: the origin's own answers never wait on the gateway.

export interface ReleaseReporterOptions {
  gatewayUrl: string;
  adminToken: string;
  log: (message: string) => void;
  /** Per-call timeout; a hung gateway must not pile up sockets in the origin. */
  timeoutMs?: number;
}

export type ReleaseReporter = (accountId: string, submissionId: string) => void;

export function createReleaseReporter({
  gatewayUrl,
  adminToken,
  log,
  timeoutMs = 5000,
}: ReleaseReporterOptions): ReleaseReporter {
  const base = gatewayUrl.replace(/\/+$/, "");
  return function reportRelease(accountId, submissionId) {
    const url = `${base}/_gateway/admin/accounts/${encodeURIComponent(accountId)}/submissions/${encodeURIComponent(submissionId)}/release`;
    fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then(async (response) => {
        const text = await response.text();
        if (!response.ok) {
          log(
            `demo-origin: release of ${submissionId} (account ${accountId}) answered ${response.status}: ${text}`,
          );
        }
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        log(`demo-origin: release of ${submissionId} (account ${accountId}) failed: ${reason}`);
      });
  };
}
