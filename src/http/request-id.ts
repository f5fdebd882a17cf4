const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming X-Request-Id when well formed (1–128 of `[A-Za-z0-9._:-]`), a new one otherwise. */
export function requestIdFor(incoming: string | null | undefined): string {
  return incoming != null && VALID_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}
