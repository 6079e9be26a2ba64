/**
 * `/vod/<videoId>/…`: a ready video's HLS ladder, poster and storyboard, for players on any origin.
 * Private videos are served only under `/vod/<videoId>/t/<playback token>/…`; the token is in the path so
 * that the relative URLs of the playlists carry it to every variant and segment.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError, notFound } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../../context.ts';
import { resolveHlsFile } from '../playback/hls-files.ts';

const IMAGES = new Set(['poster.jpg', 'storyboard.jpg']);

/** The file inside the video's directory, or undefined for any name the VOD output never has. */
function resolveVodFile(vodDir: string, videoId: string, rest: string) {
  if (IMAGES.has(rest)) return { path: join(vodDir, videoId, rest), contentType: 'image/jpeg' };
  // The live resolver's name rules (one optional directory, safe characters, known types) fit VOD too.
  const file = resolveHlsFile(vodDir, videoId, rest);
  return file && { path: file.path, contentType: file.contentType };
}

async function serve(c: AppContext, videoId: string, rest: string, token: string | undefined) {
  const deps = c.var.deps;
  const vodDir = join(deps.config.dataDir, 'media', 'vod');
  const file = resolveVodFile(vodDir, videoId.toLowerCase(), rest);
  // The accepted upload sits in the same directory; it is never served.
  if (!file || rest === 'source') throw notFound('That playback file');
  const access = await deps.services.videos.playbackAccess(videoId, token);
  if (!access.ok) {
    if (access.reason === 'invalid_token') {
      throw new AppError(403, 'invalid_playback_token', 'The playback token is invalid or expired.');
    }
    throw notFound('That video');
  }
  const size = await stat(file.path).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );
  if (size === undefined) throw notFound('That playback file');
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  c.header('Content-Type', file.contentType);
  // A ready video's files never change, but it may be deleted or made private: public caches keep them an
  // hour; a private video's, keyed by their token, only the player's own cache.
  c.header('Cache-Control', token ? 'private, max-age=3600' : 'public, max-age=3600');
  c.header('Content-Length', String(size));
  return c.body(Readable.toWeb(createReadStream(file.path)) as ReadableStream, 200);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const vodPlaybackRoutes = () =>
  new Hono<AppEnv>()
    .get('/vod/:videoId/t/:token/:rest{.+}', (c) => {
      const { videoId, token, rest } = c.req.param();
      if (!UUID.test(videoId)) throw notFound('That video');
      if (!TOKEN.test(token)) {
        throw new AppError(403, 'invalid_playback_token', 'The playback token is invalid or expired.');
      }
      return serve(c, videoId, rest, token);
    })
    .get('/vod/:videoId/:rest{.+}', (c) => {
      const { videoId, rest } = c.req.param();
      if (!UUID.test(videoId)) throw notFound('That video');
      return serve(c, videoId, rest, undefined);
    });
