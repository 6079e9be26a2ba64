/**
 * The gateway's pages: the watch pages, the pages the emailed links open, and the static files of
 * every page under `/assets/`. Pages, not API: they stay out of the OpenAPI document.
 */
import { notFound } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { resetPasswordPage, verifyEmailPage } from './account-pages.ts';
import { APP_PAGE_CSP } from './page-csp.ts';
import { type Html, sendPage } from './page-layout.ts';
import { watchRoutes } from './watch.routes.ts';
import { ASSETS_PATH, webAssets } from './web-assets.ts';

// Opened from a link that carries a secret: kept out of every cache.
const accountPage = (c: AppContext, page: Html) =>
  sendPage(c, 200, page, { csp: APP_PAGE_CSP, cacheControl: 'no-store' });

export function webRoutes() {
  return new Hono<AppEnv>()
    .route('/', watchRoutes())
    .get('/verify-email', async (c) => accountPage(c, verifyEmailPage(await webAssets())))
    .get('/reset-password', async (c) => accountPage(c, resetPasswordPage(await webAssets())))
    .get(`${ASSETS_PATH}/:name`, async (c) => {
      const asset = (await webAssets()).files.get(c.req.param('name'));
      if (!asset) throw notFound(`Asset ${c.req.param('name')}`);
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      c.header('Content-Type', asset.contentType);
      // The name changes with the content, so a cached copy never goes stale.
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      c.header('Vary', 'Accept-Encoding');
      if (gzip) c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(gzip ? asset.gzipped : asset.raw), 200);
    });
}
