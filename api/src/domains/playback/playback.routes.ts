/** `/hls/<playbackId>/…` (live HLS, while live) and live channel thumbnails, for players on any origin. */
import { badRequest } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../context.ts';
import { requestedRange, sendMedia } from '../../media/media-response.ts';
import { decidedFailure } from './ll-fast-path.ts';
import type { DeliveryDirectives } from './playback.service.ts';

const sequenceNumber = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number);
const DirectivesSchema = z
  .object({
    _HLS_msn: sequenceNumber.optional(),
    _HLS_part: sequenceNumber.optional(),
    _HLS_skip: z.enum(['YES', 'v2']).optional(),
  })
  .refine((d) => d._HLS_part === undefined || d._HLS_msn !== undefined, {
    message: '_HLS_part needs _HLS_msn',
  });

/** LL-HLS delivery directives of a request, or undefined when it has none (a plain playlist reload). */
function deliveryDirectives(query: Record<string, string>): DeliveryDirectives | undefined {
  if (query._HLS_msn === undefined && query._HLS_part === undefined && query._HLS_skip === undefined) {
    return undefined;
  }
  const parsed = DirectivesSchema.safeParse(query);
  if (!parsed.success) {
    throw badRequest(
      'Invalid LL-HLS delivery directives.',
      parsed.error.issues.map((i) => ({
        path: `query.${i.path.join('.') || '_HLS_part'}`,
        message: i.message,
      })),
    );
  }
  return {
    msn: parsed.data._HLS_msn,
    part: parsed.data._HLS_part,
    skip: parsed.data._HLS_skip !== undefined,
  };
}

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
      // A blocking reload the LL fast path already waited for and the service refused: its answer.
      const failed = decidedFailure(c.req.raw);
      if (failed !== undefined) throw failed;
      const { playbackId, rest } = c.req.param();
      const directives = rest.endsWith('.m3u8') ? deliveryDirectives(c.req.query()) : undefined;
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      if (directives) {
        const playlist = await c.var.deps.services.playback.livePlaylist(playbackId, rest, directives);
        c.header('Content-Type', playlist.headers.contentType);
        c.header('Cache-Control', playlist.headers.cacheControl);
        return c.body(playlist.body as Uint8Array<ArrayBuffer>);
      }
      const range = requestedRange(c.req.header('Range'));
      const file = await c.var.deps.services.playback.liveFile(playbackId, rest, range);
      return sendMedia(c, file.answer, file.headers);
    });
}
