/** `/hls/<playbackId>/…`: live and recorded HLS, for players on any origin. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { notFound } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppEnv } from '../../context.ts';
import { resolveHlsFile } from './hls-files.ts';

export const liveMediaDir = (dataDir: string) => join(dataDir, 'media', 'live');

export function playbackRoutes() {
  return new Hono<AppEnv>().get('/hls/:playbackId/:rest{.+}', async (c) => {
    const { playbackId, rest } = c.req.param();
    const deps = c.get('deps');
    const file = resolveHlsFile(liveMediaDir(deps.config.dataDir), playbackId, rest);
    if (!file) throw notFound('That playback file');
    // An ended session that was not recorded is gone, even while its files are being cleaned up.
    if ((await deps.services.channels.playbackState(playbackId)) === 'unavailable')
      throw notFound('That stream');
    const size = await stat(file.path).then(
      (s) => (s.isFile() ? s.size : undefined),
      () => undefined,
    );
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
