/**
 * The viewer's pages: `/watch/<slug>` for a channel, `/watch/v/<videoId>` for a video. Pages, not API:
 * they stay out of the OpenAPI document.
 */
import { ChannelSlugSchema } from '@streamhub/contracts/live';
import { VideoIdParamsSchema } from '@streamhub/contracts/videos';
import { AppError } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { watchPageCsp } from './page-csp.ts';
import { type Html, sendPage } from './page-layout.ts';
import { channelPage, notFoundPage, videoPage } from './watch-pages.ts';
import { webAssets } from './web-assets.ts';

/** The service's answer, or undefined where it says not found (which the page answers itself). */
async function unlessNotFound<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return undefined;
    throw error;
  }
}

export function watchRoutes() {
  const render = (c: AppContext, status: 200 | 404, page: Html) =>
    sendPage(c, status, page, {
      csp: watchPageCsp(c.var.config.publicUrl),
      // Live status, titles and viewer counts change: always revalidate.
      cacheControl: 'no-cache',
      // Older browsers know only X-Frame-Options, and the API-wide DENY would forbid embedding.
      frameable: true,
    });
  const notFound = async (c: AppContext, what: string) =>
    render(c, 404, notFoundPage(await webAssets(), what));

  return new Hono<AppEnv>()
    .get('/watch/:slug', async (c) => {
      const slug = ChannelSlugSchema.safeParse(c.req.param('slug'));
      if (!slug.success) return notFound(c, 'No channel has this address.');
      const [assets, channel] = await Promise.all([
        webAssets(),
        unlessNotFound(c.var.deps.services.channels.publicChannel(slug.data)),
      ]);
      if (!channel) return notFound(c, 'No channel has this address.');
      return render(c, 200, channelPage(channel, assets));
    })
    .get('/watch/v/:id', async (c) => {
      const params = VideoIdParamsSchema.safeParse({ id: c.req.param('id') });
      if (!params.success) return notFound(c, 'No video has this address.');
      const [assets, video] = await Promise.all([
        webAssets(),
        // Anonymous: public and unlisted videos only; a private one is not found, as over the API.
        unlessNotFound(c.var.deps.services.videos.get(params.data.id, undefined)),
      ]);
      // Only a ready video has a page: one still uploading or processing, or one that failed, has
      // nothing to play, and its address is not to be shared yet.
      const playbackUrl = video?.status === 'ready' ? video.playbackUrl : null;
      if (!video || !playbackUrl) return notFound(c, 'No video has this address.');
      return render(c, 200, videoPage({ ...video, playbackUrl }, assets));
    });
}
