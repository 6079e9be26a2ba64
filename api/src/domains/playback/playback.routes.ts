/** `/hls/<playbackId>/…` (live HLS, while live) and live channel thumbnails, for players on any origin. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { notFound } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppEnv } from '../../context.ts';
import { resolveHlsFile } from './hls-files.ts';

export const liveMediaDir = (dataDir: string) => join(dataDir, 'media', 'live');

/** A file's size, or undefined when it is missing or not a regular file. */
const fileSize = (path: string) =>
  stat(path).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );

export function playbackRoutes() {
  return new Hono<AppEnv>()
    .get('/api/v1/channels/:slug/thumbnail.jpg', async (c) => {
      const deps = c.get('deps');
      const { session } = await deps.services.channels.publicChannel(c.req.param('slug'));
      if (!session) throw notFound('A live thumbnail');
      const path = join(liveMediaDir(deps.config.dataDir), session.playbackId, 'thumbnail.jpg');
      const size = await fileSize(path);
      if (size === undefined) throw notFound('A live thumbnail');
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      c.header('Content-Type', 'image/jpeg');
      // Refreshed every LIVE_THUMBNAIL_SECONDS while live.
      c.header('Cache-Control', 'public, max-age=15');
      c.header('Content-Length', String(size));
      return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200);
    })
    .get('/hls/:playbackId/:rest{.+}', async (c) => {
      const { playbackId, rest } = c.req.param();
      const deps = c.get('deps');
      const file = resolveHlsFile(liveMediaDir(deps.config.dataDir), playbackId, rest);
      if (!file) throw notFound('That playback file');
      // Only while live (the reconnect grace included: the session is live until it ends). After the end a
      // recording is its video's, served under /vod/ as that video's visibility allows; the playback id,
      // public while live, must not lead around a private or deleted video to the same files.
      if ((await deps.services.channels.playbackState(playbackId)) !== 'live') throw notFound('That stream');
      const size = await fileSize(file.path);
      if (size === undefined) throw notFound('That playback file');
      // Players live on other origins (hls.js pages, embeds): playback is public by design.
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      c.header('Content-Type', file.contentType);
      c.header('Cache-Control', file.cacheControl);
      c.header('Content-Length', String(size));
      return c.body(Readable.toWeb(createReadStream(file.path)) as ReadableStream, 200);
    });
}
