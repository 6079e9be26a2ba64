/**
 * `/vod/<videoId>/…`: a ready video's HLS ladder, poster and storyboard, for players on any origin.
 * Private videos are served only under `/vod/<videoId>/t/<playback token>/…`; the token is in the path so
 * that the relative URLs of the playlists carry it to every variant and segment.
 */
import { AppError, notFound } from '@streamhub/errors/app-error';
import { isVideoId } from '@streamhub/infra/media-storage/keys';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../../context.ts';
import { requestedRange, sendMedia } from '../../media/media-response.ts';

async function serve(c: AppContext, videoId: string, rest: string, token: string | undefined) {
  const range = requestedRange(c.req.header('Range'));
  const file = await c.var.deps.services.videos.playbackFile(videoId, rest, token, range);
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  return sendMedia(c, file.answer, file.headers);
}

const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// `t/<token>/<file>`: the private form, read here rather than routed as `/vod/:videoId/t/:token/…`,
// whose literal `t` beside `:rest` kept Hono off its RegExpRouter (docs/benchmarks.md, Gateway).
const TOKEN_PREFIX = /^t\/([^/]+)\/(.+)$/;

export const vodPlaybackRoutes = () =>
  new Hono<AppEnv>().get('/vod/:videoId/:rest{.+}', (c) => {
    const { videoId, rest } = c.req.param();
    if (!isVideoId(videoId)) throw notFound('That video');
    const tokenForm = TOKEN_PREFIX.exec(rest);
    if (!tokenForm) return serve(c, videoId, rest, undefined);
    const [, token = '', file = ''] = tokenForm;
    if (!TOKEN.test(token)) {
      throw new AppError(403, 'invalid_playback_token', 'The playback token is invalid or expired.');
    }
    return serve(c, videoId, file, token);
  });
