// The headers of every answer under /_gateway/console (GATEWAY.md section 12). The page runs
// only its own script and stylesheet: no inline script or style, nothing from another origin,
// no frame around it, no form that navigates, and (Trusted Types) no HTML built from strings.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** The page: never stored (it is where a signed-in session lives). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
};

/** An asset's name carries its content's hash, so it never changes: cached for a year. */
export function assetHeaders(contentType: string): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    "Content-Type": contentType,
    "Cache-Control": "public, max-age=31536000, immutable",
  };
}
