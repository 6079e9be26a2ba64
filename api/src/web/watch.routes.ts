/**
 * The viewer's pages: `/watch/<slug>` for a channel, `/watch/v/<videoId>` for a video, and their static
 * files under `/assets/`. Pages, not API: they stay out of the OpenAPI document.
 */
import { ChannelSlugSchema } from '@streamhub/contracts/live';
import { VideoIdParamsSchema } from '@streamhub/contracts/videos';
import { AppError, notFound as notFoundError } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { ASSETS_PATH, watchAssets } from './watch-assets.ts';
import { watchPageCsp } from './watch-csp.ts';
import { channelPage, notFoundPage, videoPage } from './watch-pages.ts';

type Page = ReturnType<typeof channelPage>;

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
  const render = async (c: AppContext, status: 200 | 404, page: Page) => {
    c.header('Content-Security-Policy', watchPageCsp(c.var.config.publicUrl));
    // Older browsers know only this header, and the API-wide DENY would forbid embedding.
    c.header('X-Frame-Options', undefined);
    // Live status, titles and viewer counts change: always revalidate.
    c.header('Cache-Control', 'no-cache');
    return c.html(await page, status);
  };
  const notFound = async (c: AppContext, what: string) =>
    render(c, 404, notFoundPage(await watchAssets(), what));

  return new Hono<AppEnv>()
    .get('/watch/:slug', async (c) => {
      const slug = ChannelSlugSchema.safeParse(c.req.param('slug'));
      if (!slug.success) return notFound(c, 'No channel has this address.');
      const [assets, channel] = await Promise.all([
        watchAssets(),
        unlessNotFound(c.var.deps.services.channels.publicChannel(slug.data)),
      ]);
      if (!channel) return notFound(c, 'No channel has this address.');
      return render(c, 200, channelPage(channel, assets));
    })
    .get('/watch/v/:id', async (c) => {
      const params = VideoIdParamsSchema.safeParse({ id: c.req.param('id') });
      if (!params.success) return notFound(c, 'No video has this address.');
      const [assets, video] = await Promise.all([
        watchAssets(),
        // Anonymous: public and unlisted videos only; a private one is not found, as over the API.
        unlessNotFound(c.var.deps.services.videos.get(params.data.id, undefined)),
      ]);
      // Only a ready video has a page: one still uploading or processing, or one that failed, has
      // nothing to play, and its address is not to be shared yet.
      const playbackUrl = video?.status === 'ready' ? video.playbackUrl : null;
      if (!video || !playbackUrl) return notFound(c, 'No video has this address.');
      return render(c, 200, videoPage({ ...video, playbackUrl }, assets));
    })
    .get(`${ASSETS_PATH}/:name`, async (c) => {
      const asset = (await watchAssets()).files.get(c.req.param('name'));
      if (!asset) throw notFoundError(`Asset ${c.req.param('name')}`);
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      c.header('Content-Type', asset.contentType);
      // The name changes with the content, so a cached copy never goes stale.
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      c.header('Vary', 'Accept-Encoding');
      if (gzip) c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(gzip ? asset.gzipped : asset.raw), 200);
    });
}
