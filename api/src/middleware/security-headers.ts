/**
 * Static security headers, set before the handler runs (by `requestStart`): setting them after
 * `next()` would make @hono/node-server build a full Response for every request (see FIELD-NOTES.md).
 */

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaderList(options: { https: boolean }): readonly (readonly [string, string])[] {
  const headers: [string, string][] = [
    ['Content-Security-Policy', API_CONTENT_SECURITY_POLICY],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
  ];
  if (options.https) headers.push(['Strict-Transport-Security', 'max-age=31536000; includeSubDomains']);
  return headers;
}
