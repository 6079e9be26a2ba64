/**
 * The notifications' web pages, mounted by the module: the preferences page the settings page links to
 * (`/settings/notifications`) and the Web Push service worker, served from the root so its scope is the
 * whole site (`/notifications-sw.js`).
 */
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import type { AppEnv } from '../../context.ts';
import { appPageCsp } from '../../web/page-csp.ts';
import { sendPage } from '../../web/page-layout.ts';
import { notificationSettingsPage } from '../../web/pages/notification-settings-page.tsx';
import { webAssets } from '../../web/web-assets.ts';

const SERVICE_WORKER = new URL('../../web/static/notifications-sw.js', import.meta.url);
let serviceWorker: Promise<string> | undefined;

/** Mounted at `/settings/notifications`. */
export const notificationSettingsRoutes = () =>
  new Hono<AppEnv>().get('/', async (c) =>
    sendPage(c, 200, notificationSettingsPage(await webAssets()), {
      csp: appPageCsp(c.var.config.publicUrl),
      cacheControl: 'no-cache',
    }),
  );

/** Mounted at `/notifications-sw.js`. */
export const serviceWorkerRoutes = () =>
  new Hono<AppEnv>().get('/', async (c) => {
    serviceWorker ??= readFile(SERVICE_WORKER, 'utf8');
    // Browsers check for a new worker on navigation; `no-cache` lets them see an upgrade at once.
    c.header('Cache-Control', 'no-cache');
    return c.body(await serviceWorker, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });
