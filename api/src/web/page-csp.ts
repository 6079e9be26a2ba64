/** The Content-Security-Policy of the pages the gateway serves. */
import type { MediaStorageConfig } from '@streamhub/config/media-storage-config';
import { objectUrl } from '@streamhub/infra/media-storage/s3-presign';
import { APP_STYLESHEET_SOURCE } from './app-style.ts';

/**
 * Where a page may fetch media from besides the gateway: the origin of `MEDIA_PUBLIC_BASE_URL` (public
 * segments, posters and avatars redirect there) and, with `MEDIA_PRIVATE_DELIVERY=signed`, the bucket's
 * (presigned URLs). Without them in the policy the browser refuses the gateway's redirects.
 */
export function mediaOrigins(storage: MediaStorageConfig): string[] {
  const origins = new Set<string>();
  if (storage.publicBaseUrl) origins.add(new URL(storage.publicBaseUrl).origin);
  if (storage.kind === 's3' && storage.privateDelivery.kind === 'signed') {
    const { endpoint } = storage.privateDelivery;
    const url = objectUrl({ ...storage, endpoint, objectName: 'x' });
    origins.add(url.origin);
  }
  return [...origins];
}

/**
 * The app's pages. Scripts and styles from this gateway only, and the app's stylesheet inline (allowed
 * by its hash: no other inline code, no inline style attribute); images, API calls
 * and the WebSocket to this gateway or its PUBLIC_URL (thumbnail, poster and playback URLs name
 * PUBLIC_URL, which may differ from the host the page was opened by); forms (the search box) submit to
 * this gateway only. Never in a frame: sign-in and settings forms in someone else's frame are a
 * clickjacking target.
 */
export function appPageCsp(publicUrl: string, media: readonly string[] = []): string {
  return directives(publicUrl, media, { player: false }).join('; ');
}

/**
 * The channel and video pages: the app's policy, plus media from the gateway and blob: (the Media
 * Source hls.js feeds the <video> with) and hls.js's worker; any site may frame them, embedding the
 * player is their point.
 */
export function playerPageCsp(publicUrl: string, media: readonly string[] = []): string {
  return directives(publicUrl, media, { player: true }).join('; ');
}

function directives(publicUrl: string, media: readonly string[], { player }: { player: boolean }): string[] {
  // `media`: the origins of {@link mediaOrigins}, for images, <video> sources and hls.js's fetches.
  const origin = [new URL(publicUrl).origin, ...media].join(' ');
  const socketOrigin = new URL(publicUrl).origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' ${APP_STYLESHEET_SOURCE}`,
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
