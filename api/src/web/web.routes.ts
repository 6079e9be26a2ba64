/**
 * The gateway's web app: the viewer's pages, the account pages (sign in, sign up, the pages the
 * emailed links open) and the static files of every page under `/assets/`. Pages, not API: they stay
 * out of the OpenAPI document.
 */
import { notFound } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import { appPageCsp, mediaOrigins } from './page-csp.ts';
import { acceptsGzip, type PageHeaders, sendPage } from './page-layout.ts';
import {
  forgotPasswordPage,
  type OAuthProvider,
  resetPasswordPage,
  signInPage,
  signUpPage,
  verifyEmailPage,
} from './pages/account-pages.tsx';
import { settingsPage } from './pages/settings-page.tsx';
import { viewerRoutes } from './viewer.routes.ts';
import { ASSETS_PATH, webAssets } from './web-assets.ts';
import { workspaceRoutes } from './workspace.routes.ts';

const accountPage = (
  c: AppContext,
  page: Parameters<typeof sendPage>[2],
  cacheControl: PageHeaders['cacheControl'],
) =>
  sendPage(c, 200, page, {
    csp: appPageCsp(c.var.config.publicUrl, mediaOrigins(c.var.config.mediaStorage)),
    cacheControl,
  });

/** The sign-in buttons to show: a provider is offered only when its client id and secret are set. */
function oauthProviders(c: AppContext): OAuthProvider[] {
  const { oauth } = c.var.config;
  return [
    ...(oauth.github ? [{ id: 'github' as const, name: 'GitHub' }] : []),
    ...(oauth.google ? [{ id: 'google' as const, name: 'Google' }] : []),
  ];
}

export function webRoutes() {
  return (
    new Hono<AppEnv>()
      .route('/', viewerRoutes())
      .route('/', workspaceRoutes())
      .get('/sign-in', async (c) =>
        accountPage(c, signInPage(await webAssets(), oauthProviders(c)), 'no-cache'),
      )
      .get('/sign-up', async (c) => accountPage(c, signUpPage(await webAssets()), 'no-cache'))
      .get('/forgot-password', async (c) => accountPage(c, forgotPasswordPage(await webAssets()), 'no-cache'))
      .get('/settings', async (c) => accountPage(c, settingsPage(await webAssets()), 'no-cache'))
      // Opened from a link that carries a secret: kept out of every cache.
      .get('/verify-email', async (c) => accountPage(c, verifyEmailPage(await webAssets()), 'no-store'))
      .get('/reset-password', async (c) => accountPage(c, resetPasswordPage(await webAssets()), 'no-store'))
      .get(`${ASSETS_PATH}/:name`, async (c) => {
        const asset = (await webAssets()).files.get(c.req.param('name'));
        if (!asset) throw notFound(`Asset ${c.req.param('name')}`);
        const gzip = acceptsGzip(c);
        c.header('Content-Type', asset.contentType);
        // The name changes with the content, so a cached copy never goes stale.
        c.header('Cache-Control', 'public, max-age=31536000, immutable');
        c.header('Vary', 'Accept-Encoding');
        if (gzip) c.header('Content-Encoding', 'gzip');
        return c.body(new Uint8Array(gzip ? asset.gzipped : asset.raw), 200);
      })
  );
}
