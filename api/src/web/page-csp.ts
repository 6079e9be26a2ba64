/** The Content-Security-Policy of the pages the gateway serves. */

/**
 * The watch pages. Scripts, styles and workers from this gateway only (no inline code at all); media
 * and API calls to this gateway or its PUBLIC_URL (playback URLs name PUBLIC_URL, which may differ
 * from the host the page was opened by), its WebSocket, and blob: for the Media Source hls.js feeds
 * the <video> with. Any site may frame the page: embedding the player is its point.
 */
export function watchPageCsp(publicUrl: string): string {
  const origin = new URL(publicUrl).origin;
  const socketOrigin = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "worker-src 'self'",
    `img-src 'self' ${origin}`,
    `media-src 'self' ${origin} blob:`,
    `connect-src 'self' ${origin} ${socketOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    'frame-ancestors *',
  ].join('; ');
}

/**
 * The account pages (email links) and the API reference: this gateway's scripts, styles and API only,
 * and never in a frame (a password form in someone else's frame is a clickjacking target).
 */
export const APP_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
