/** `/hls/<playbackId>/…` (live HLS, while live) and live channel thumbnails, for players on any origin. */
import { Hono } from 'hono';
import type { AppEnv } from '../../context.ts';
import { requestedRange, sendMedia } from '../../media/media-response.ts';

export function playbackRoutes() {
  return new Hono<AppEnv>()
    .get('/api/v1/channels/:slug/thumbnail.jpg', async (c) => {
      const range = requestedRange(c.req.header('Range'));
      const file = await c.var.deps.services.playback.liveThumbnail(c.req.param('slug'), range);
      // Players and embeds live on other origins: playback is public by design.
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      return sendMedia(c, file.answer, file.headers);
    })
    .get('/hls/:playbackId/:rest{.+}', async (c) => {
      const { playbackId, rest } = c.req.param();
      const range = requestedRange(c.req.header('Range'));
      const file = await c.var.deps.services.playback.liveFile(playbackId, rest, range);
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      return sendMedia(c, file.answer, file.headers);
    });
}
