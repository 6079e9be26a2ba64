/** The Content-Security-Policy of the pages the gateway serves. */

/**
 * The app's pages. Scripts and styles from this gateway only (no inline code at all); images, API calls
 * and the WebSocket to this gateway or its PUBLIC_URL (thumbnail, poster and playback URLs name
 * PUBLIC_URL, which may differ from the host the page was opened by); forms (the search box) submit to
 * this gateway only. Never in a frame: sign-in and settings forms in someone else's frame are a
 * clickjacking target.
 */
export function appPageCsp(publicUrl: string): string {
  return directives(publicUrl, { player: false }).join('; ');
}

/**
 * The channel and video pages: the app's policy, plus media from the gateway and blob: (the Media
 * Source hls.js feeds the <video> with) and hls.js's worker; any site may frame them, embedding the
 * player is their point.
 */
export function playerPageCsp(publicUrl: string): string {
  return directives(publicUrl, { player: true }).join('; ');
}

function directives(publicUrl: string, { player }: { player: boolean }): string[] {
  const origin = new URL(publicUrl).origin;
  const socketOrigin = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ...(player ? ["worker-src 'self'"] : []),
    `img-src 'self' ${origin}`,
    ...(player ? [`media-src 'self' ${origin} blob:`] : []),
    `connect-src 'self' ${origin} ${socketOrigin}`,
    "base-uri 'none'",
    "form-action 'self'",
    player ? 'frame-ancestors *' : "frame-ancestors 'none'",
  ];
}

/**
 * The API reference: this gateway's scripts, styles and API only, no form, and never in a frame.
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
