/**
 * The creator studio (`/studio…`) and the admin pages (`/admin…`). Pages, not API: they stay out of the
 * OpenAPI document. The server does not know the reader (tokens live in the browser), so it renders
 * nothing private: each page's island loads the reader's data through the API, which decides who may
 * see and change what.
 */
import { DirectoryQuerySchema } from '@streamhub/contracts/channels';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { appPageCsp, mediaOrigins } from './page-csp.ts';
import { sendPage } from './page-layout.ts';
import { adminInstancePage, adminLivePage, adminUsersPage } from './pages/admin-pages.tsx';
import { ANALYTICS_PATH, studioAnalyticsPage } from './pages/analytics-pages.tsx';
import { CLIPS_PATH, studioClipsPage } from './pages/clips-pages.tsx';
import { EARNINGS_PATH, studioEarningsPage } from './pages/payments-pages.tsx';
import { RESTREAM_PATH, studioRestreamPage } from './pages/restream-pages.tsx';
import {
  studioChannelPage,
  studioModerationPage,
  studioStreamPage,
  studioVideosPage,
} from './pages/studio-pages.tsx';
import { webAssets } from './web-assets.ts';

const workspacePage = (c: AppContext, page: Parameters<typeof sendPage>[2]) =>
  sendPage(c, 200, page, {
    csp: appPageCsp(c.var.config.publicUrl, mediaOrigins(c.var.config.mediaStorage)),
    cacheControl: 'no-cache',
  });

const LIVE_LISTING = 100;

export function workspaceRoutes() {
  return new Hono<AppEnv>()
    .get('/studio', async (c) =>
      workspacePage(c, studioChannelPage(await webAssets(), c.var.config.media.lowLatency)),
    )
    .get('/studio/stream', async (c) =>
      workspacePage(c, studioStreamPage(await webAssets(), c.var.config.media.rtmpPublicUrl)),
    )
    .get('/studio/videos', async (c) => {
      // The upload limit that applies now: an admin may change it live (the instance settings).
      const [assets, settings] = await Promise.all([webAssets(), c.var.deps.services.settings.current()]);
      return workspacePage(c, studioVideosPage(assets, settings.videoMaxBytes));
    })
    .get(CLIPS_PATH, async (c) => workspacePage(c, studioClipsPage(await webAssets())))
    .get('/studio/moderation', async (c) => workspacePage(c, studioModerationPage(await webAssets())))
    .get(ANALYTICS_PATH, async (c) => workspacePage(c, studioAnalyticsPage(await webAssets())))
    .get(RESTREAM_PATH, async (c) => workspacePage(c, studioRestreamPage(await webAssets())))
    .get(EARNINGS_PATH, async (c) =>
      workspacePage(c, studioEarningsPage(await webAssets(), c.var.config.payments.currencies)),
    )
    .get('/admin', async (c) => {
      // Echoed into the search box only (escaped by JSX); the island runs the search.
      const query = (c.req.query('q') ?? '').slice(0, 100);
      return workspacePage(c, adminUsersPage(await webAssets(), query));
    })
    .get('/admin/live', async (c) => {
      const [assets, live] = await Promise.all([
        webAssets(),
        c.var.deps.services.channels.directory(DirectoryQuerySchema.parse({ limit: LIVE_LISTING })),
      ]);
      return workspacePage(c, adminLivePage(assets, live.items));
    })
    .get('/admin/instance', async (c) => {
      const [assets, settings] = await Promise.all([webAssets(), c.var.deps.services.settings.view()]);
      return workspacePage(c, adminInstancePage(assets, c.var.config, settings));
    });
}
