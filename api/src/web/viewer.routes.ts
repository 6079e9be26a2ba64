/**
 * The viewer's pages: home, directory, search, a channel (`/c/<slug>`) and a video (`/v/<id>`). The
 * earlier addresses `/watch/<slug>` and `/watch/v/<id>` redirect to them for good. Pages, not API: they
 * stay out of the OpenAPI document; what they show comes from the same services as the API.
 */
import {
  BroadcastsQuerySchema,
  ChannelCategorySchema,
  ChannelSearchQuerySchema,
  ChannelSlugSchema,
  DirectoryQuerySchema,
  type PublicChannel,
} from '@streamhub/contracts/channels';
import {
  type ChannelClipPage,
  type ChannelClipsQuery,
  ChannelClipsQuerySchema,
} from '@streamhub/contracts/clips';
import { LibraryQuerySchema, PageQuerySchema, VideoIdParamsSchema } from '@streamhub/contracts/videos';
import { AppError } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { pageText } from './i18n/en.ts';
import { appPageCsp, mediaOrigins, playerPageCsp } from './page-csp.ts';
import { sendPage } from './page-layout.ts';
import type { ListedChannel } from './pages/cards.tsx';
import type { ChannelSupportOffer } from './pages/channel-support.tsx';
import {
  channelPage,
  directoryPage,
  homePage,
  notFoundPage,
  searchPage,
  videoPage,
} from './pages/viewer-pages.tsx';
import { webAssets } from './web-assets.ts';

type Page = Parameters<typeof sendPage>[2];

/** The service's answer, or undefined where it says not found (which the page answers itself). */
async function unlessNotFound<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * What the channel page offers to pay (Tip, Subscribe), decided here so the page never asks an API that
 * would answer 503: undefined when no provider is on, or the channel does not exist.
 */
async function channelSupportOffer(c: AppContext, slug: string): Promise<ChannelSupportOffer | undefined> {
  const { stripe, razorpay } = c.var.config.payments;
  if (!stripe && !razorpay) return undefined;
  const { payments, subscriptions } = c.var.deps.services;
  const tiers = await unlessNotFound(subscriptions.channelTiers(slug));
  return tiers && { tipCurrencies: payments.hostedCheckoutCurrencies(), tiers: tiers.items };
}

/**
 * Whether a channel's live stream has its thumbnail yet (the first is written a few seconds after the
 * broadcast starts): pages show it only then, rather than ask for an image that answers 404.
 */
async function hasLiveThumbnail(c: AppContext, channel: PublicChannel): Promise<boolean> {
  return (
    channel.session !== null && c.var.deps.services.playback.hasLiveThumbnail(channel.session.playbackId)
  );
}

/** Channels for their cards, each live one's thumbnail looked up (all at once). */
function listed(c: AppContext, channels: readonly PublicChannel[]): Promise<ListedChannel[]> {
  return Promise.all(
    channels.map(async (channel) => ({ ...channel, hasThumbnail: await hasLiveThumbnail(c, channel) })),
  );
}

const CLIPS_PAGE = 12;

/**
 * A page of the channel's clips as anyone may see them (ready, public), from `?clips=<cursor>`; a
 * cursor that is not one (edited by hand) shows the first page. Undefined when there is no channel.
 */
async function channelClips(
  c: AppContext,
  slug: string,
): Promise<(ChannelClipPage & { paged: boolean }) | undefined> {
  const { clips } = c.var.deps.services;
  const first = ChannelClipsQuerySchema.parse({ limit: CLIPS_PAGE });
  const asked = ChannelClipsQuerySchema.safeParse({ limit: CLIPS_PAGE, cursor: c.req.query('clips') });
  const page = async (query: ChannelClipsQuery, paged: boolean) => {
    const found = await unlessNotFound(clips.list(undefined, slug, query));
    return found && { ...found, paged };
  };
  if (!asked.success || asked.data.cursor === undefined) return page(first, false);
  try {
    return await page(asked.data, true);
  } catch (error) {
    if (error instanceof AppError && error.status === 422) return page(first, false);
    throw error;
  }
}

// Live state, titles and viewer counts change: pages are always revalidated.
const appPage = (c: AppContext, page: Page, status: 200 | 404 = 200) =>
  sendPage(c, status, page, {
    csp: appPageCsp(c.var.config.publicUrl, mediaOrigins(c.var.config.mediaStorage)),
    cacheControl: 'no-cache',
  });

const playerPage = (c: AppContext, page: Page) =>
  sendPage(c, 200, page, {
    csp: playerPageCsp(c.var.config.publicUrl, mediaOrigins(c.var.config.mediaStorage)),
    cacheControl: 'no-cache',
    // Older browsers know only X-Frame-Options, and the API-wide DENY would forbid embedding.
    frameable: true,
  });

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const notFound = async (c: AppContext, what: string) =>
  appPage(c, notFoundPage(await webAssets(), what), 404);

const HOME_LIVE = 12;
const HOME_VIDEOS = 12;
const LISTING = 24;

export function viewerRoutes() {
  return (
    new Hono<AppEnv>()
      .get('/', async (c) => {
        const { channels, videos } = c.var.deps.services;
        const [assets, live, recent] = await Promise.all([
          webAssets(),
          channels.directory(DirectoryQuerySchema.parse({ limit: HOME_LIVE })),
          videos.library(LibraryQuerySchema.parse({ sort: 'newest', limit: HOME_VIDEOS })),
        ]);
        return appPage(c, homePage({ assets, live: await listed(c, live.items), videos: recent.items }));
      })
      .get('/directory', async (c) => {
        const [assets, live] = await Promise.all([
          webAssets(),
          c.var.deps.services.channels.directory(DirectoryQuerySchema.parse({ limit: LISTING })),
        ]);
        return appPage(
          c,
          directoryPage({ assets, category: undefined, live: await listed(c, live.items), videos: [] }),
        );
      })
      .get('/directory/:category', async (c) => {
        const category = ChannelCategorySchema.safeParse(c.req.param('category'));
        if (!category.success) return notFound(c, pageText.notFound.category);
        const { channels, videos } = c.var.deps.services;
        const [assets, live, inCategory] = await Promise.all([
          webAssets(),
          channels.directory(DirectoryQuerySchema.parse({ category: category.data, limit: LISTING })),
          videos.library(LibraryQuerySchema.parse({ category: category.data, limit: LISTING })),
        ]);
        return appPage(
          c,
          directoryPage({
            assets,
            category: category.data,
            live: await listed(c, live.items),
            videos: inCategory.items,
          }),
        );
      })
      .get('/search', async (c) => {
        // Whatever was typed: a query the API would refuse (too long, unprintable) finds nothing.
        const raw = c.req.query('q')?.trim() ?? '';
        const channelQuery = ChannelSearchQuerySchema.safeParse({ q: raw, limit: LISTING });
        const videoQuery = LibraryQuerySchema.safeParse({ q: raw, limit: LISTING });
        const { channels, videos } = c.var.deps.services;
        const [assets, foundChannels, foundVideos] = await Promise.all([
          webAssets(),
          channelQuery.success ? channels.search(channelQuery.data) : undefined,
          videoQuery.success ? videos.library(videoQuery.data) : undefined,
        ]);
        return appPage(
          c,
          searchPage({
            assets,
            query: raw ? raw.slice(0, 200) : undefined,
            channels: await listed(c, foundChannels?.items ?? []),
            videos: foundVideos?.items ?? [],
          }),
        );
      })
      .get('/c/:slug', async (c) => {
        const slug = ChannelSlugSchema.safeParse(c.req.param('slug'));
        if (!slug.success) return notFound(c, pageText.notFound.channel);
        const { channels, broadcasts, videos } = c.var.deps.services;
        // Anonymous: only what anyone may see (public, ready videos and recordings).
        const [assets, channel, past, channelVideos, clips, support] = await Promise.all([
          webAssets(),
          unlessNotFound(channels.publicChannel(slug.data)),
          unlessNotFound(broadcasts.list(slug.data, undefined, BroadcastsQuerySchema.parse({ limit: 10 }))),
          unlessNotFound(videos.channelVideos(slug.data, undefined, PageQuerySchema.parse({ limit: 12 }))),
          channelClips(c, slug.data),
          channelSupportOffer(c, slug.data),
        ]);
        if (!channel) return notFound(c, pageText.notFound.channel);
        const poster = (await hasLiveThumbnail(c, channel)) ? channel.thumbnailUrl : undefined;
        return playerPage(
          c,
          channelPage({
            assets,
            channel,
            poster,
            broadcasts: past?.items.filter((broadcast) => broadcast.status === 'ended') ?? [],
            videos: channelVideos?.items ?? [],
            clips: clips ?? { items: [], nextCursor: null, paged: false },
            support,
          }),
        );
      })
      .get('/v/:id', async (c) => {
        const params = VideoIdParamsSchema.safeParse({ id: c.req.param('id') });
        if (!params.success) return notFound(c, pageText.notFound.video);
        const [assets, video, clippedBy] = await Promise.all([
          webAssets(),
          // Anonymous: public and unlisted videos only; a private one is not found, as over the API.
          unlessNotFound(c.var.deps.services.videos.get(params.data.id, undefined)),
          c.var.deps.services.clips.makerOf(params.data.id),
        ]);
        // Only a ready video has a page: one still uploading or processing, or one that failed, has
        // nothing to play, and its address is not to be shared yet.
        const playbackUrl = video?.status === 'ready' ? video.playbackUrl : null;
        if (!video || !playbackUrl) return notFound(c, pageText.notFound.video);
        return playerPage(c, videoPage({ assets, video: { ...video, playbackUrl }, clippedBy }));
      })
      // The first addresses of these pages, kept working (links and embeds made before the app):
      // `/watch/v/<id>` and `/watch/<slug>`, as one route that reads its path, because a literal `v`
      // beside `:slug` kept Hono off its RegExpRouter (docs/benchmarks.md, Gateway).
      .get('/watch/:rest{.+}', (c) => {
        // Split before decoding: an encoded `/` (%2F) stays inside its segment.
        const [first, second, ...more] = c.req.path.slice('/watch/'.length).split('/').map(decodeSegment);
        if (first === 'v' && second && more.length === 0) {
          return c.redirect(`/v/${encodeURIComponent(second)}`, 301);
        }
        if (first && second === undefined) return c.redirect(`/c/${encodeURIComponent(first)}`, 301);
        return c.notFound();
      })
  );
}
