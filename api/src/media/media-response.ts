/**
 * Answers a request for stored media, the same way for live HLS, VOD files, thumbnails and avatars:
 * byte ranges (`Range` → 206), validators (`ETag`, `Last-Modified`, `If-None-Match` →
 * 304) and the caller's type and cache headers, streaming from the media storage. Or a redirect, when
 * the storage has a URL of its own for the object (a CDN, a signed URL).
 */
import { Readable } from 'node:stream';
import type { MediaKey } from '@streamhub/infra/media-storage/keys';
import {
  type ByteRange,
  type MediaAccess,
  MediaRangeNotSatisfiableError,
  type MediaRead,
  type MediaStorage,
} from '@streamhub/infra/media-storage/port';
import type { Context } from 'hono';

/** What a service hands a media route: the object to stream, or where the client fetches it itself. */
export type MediaAnswer = { redirect: string } | { read: MediaRead };

/**
 * Reads `key` for a request: a URL of the storage's own when it has one for `access`, else the bytes of
 * `range`. Undefined when there is no such object. A range that starts past the end is ignored and the
 * whole object sent (RFC 9110 lets a server ignore `Range`), so no request for media fails on it.
 */
export async function answerMedia(
  media: MediaStorage,
  key: MediaKey,
  access: MediaAccess,
  range: ByteRange | undefined,
): Promise<MediaAnswer | undefined> {
  const url = await media.url(key, access);
  if (url) return { redirect: url };
  try {
    const read = await media.read(key, range ? { range } : {});
    return read && { read };
  } catch (error) {
    if (!(error instanceof MediaRangeNotSatisfiableError) || !range) throw error;
    return answerMedia(media, key, access, undefined);
  }
}

/**
 * The single range of a `Range: bytes=…` header, or undefined to send the whole object (no header, a
 * suffix or multi-range request, another unit: RFC 9110 lets a server ignore what it does not support).
 */
export function requestedRange(header: string | undefined): ByteRange | undefined {
  const match = header && /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Number(match[2]) : undefined;
  if (end !== undefined && end < start) return undefined;
  return end === undefined ? { start } : { start, end };
}

export interface MediaHeaders {
  contentType: string;
  cacheControl: string;
}

/** Sends an answer from {@link answerMedia} with the type and cache headers of the kind of media. */
export function sendMedia(c: Context, answer: MediaAnswer, headers: MediaHeaders): Response {
  c.header('Cache-Control', headers.cacheControl);
  if ('redirect' in answer) return c.redirect(answer.redirect, 302);
  const { read } = answer;
  const { stat, range } = read;
  c.header('Content-Type', headers.contentType);
  c.header('ETag', stat.etag);
  c.header('Last-Modified', stat.modified.toUTCString());
  c.header('Accept-Ranges', 'bytes');
  if (matches(c.req.header('If-None-Match'), stat.etag)) {
    read.body.destroy();
    return c.body(null, 304);
  }
  c.header('Content-Length', String(range.end - range.start + 1));
  const partial = range.start > 0 || range.end < stat.size - 1;
  if (partial) c.header('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`);
  if (c.req.method === 'HEAD') {
    // Hono answers HEAD with the GET route and drops the body it returns without cancelling it: an
    // unread file stream then held its descriptor until garbage collection (DEP0137 on Node).
    read.body.destroy();
    return c.body(null, partial ? 206 : 200);
  }
  if (read.bytes) {
    // Already in memory (a hot segment): sent as is, which costs Bun and Node far less than a stream.
    read.body.destroy();
    return c.body(read.bytes as Uint8Array<ArrayBuffer>, partial ? 206 : 200);
  }
  return c.body(Readable.toWeb(read.body) as ReadableStream, partial ? 206 : 200);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
