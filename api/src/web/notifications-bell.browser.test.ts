/**
 * The notification bell in a real browser: Debian's chromium through playwright-core, a gateway on the
 * embedded defaults with the media node in-process, and real ffmpeg pushing RTMP. A signed-in viewer
 * waits on a followed channel's watch page; when the channel goes live the bell's unread count rises
 * by one without a reload (the notification arrives as a `/ws` frame), the feed shows the go-live, and "Mark
 * all read" clears the count, on the page and on the server.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { UnreadCountSchema } from '@streamhub/contracts/notifications';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, startLiveGateway, watchedPage } from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const SLUG = 'bell-live';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killPublishers();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function call(base: string, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

const login = async (base: string, email: string) =>
  TokenPairSchema.parse(await call(base, 'POST', '/api/v1/auth/login', { email, password: PASSWORD }))
    .accessToken;

describe.skipIf(!hasChromium)(
  `the notification bell in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 240_000 },
  () => {
    it('counts a followed channel’s go-live pushed over /ws, lists it and marks it read', async () => {
      const { base, gateway, rtmpPort } = await startLiveGateway([
        { email: 'belled@example.test', username: 'belled', password: PASSWORD },
      ]);
      cleanups.push(() => gateway.close());
      const streamer = await login(base, 'belled@example.test');
      await call(base, 'POST', '/api/v1/channels', { slug: SLUG, title: 'Bell test' }, streamer);
      const key = CreatedStreamKeySchema.parse(
        await call(base, 'POST', `/api/v1/channels/${SLUG}/keys`, { name: 'OBS' }, streamer),
      );
      const viewer = { email: 'bell-viewer@example.test', username: 'bell_viewer', password: PASSWORD };
      await call(base, 'POST', '/api/v1/auth/register', viewer);
      const viewerToken = await login(base, viewer.email);
      await call(base, 'PUT', `/api/v1/channels/${SLUG}/follow`, undefined, viewerToken);
      const unreadOnServer = async () =>
        UnreadCountSchema.parse(
          await call(base, 'GET', '/api/v1/notifications/unread-count', undefined, viewerToken),
        ).unread;

      const browser: Browser = await chromium.launch({ executablePath: CHROMIUM });
      cleanups.push(() => browser.close());
      const { page, problems } = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      const missing: string[] = [];
      page.on('response', (response) => {
        if (response.status() === 404) missing.push(new URL(response.url()).pathname);
      });
      await page.goto(`${base}/sign-in?next=${encodeURIComponent(`/c/${SLUG}`)}`);
      await page.getByLabel('Email').fill(viewer.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/c/${SLUG}`);
      const count = page.locator('#notifications-count');
      const toggle = page.locator('#notifications-toggle');
      await toggle.waitFor();
      /** Polls until the bell has fetched the unread count (its title is set once it has). */
      const titleSet = async () => {
        const deadline = Date.now() + 15_000;
        while (!(await toggle.getAttribute('title'))) {
          if (Date.now() > deadline) throw new Error('the bell never fetched its count');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      // The bell fetched the count (its /ws connection opened): the sign-ins' security notices, if any.
      await titleSet();
      const before = await unreadOnServer();
      expect(await toggle.getAttribute('title')).toBe(
        before === 1 ? '1 unread notification' : `${before} unread notifications`,
      );

      // Killed by killPublishers() once the test ends.
      startPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${key.secret}`, 120, '640x360');

      // No reload: the go-live's notification reaches the page as a /ws frame.
      await page
        .locator('#notifications-count:not([hidden])', { hasText: new RegExp(`^${before + 1}$`) })
        .waitFor({ timeout: 90_000 });
      expect(await toggle.getAttribute('title')).toBe(`${before + 1} unread notifications`);
      expect(await unreadOnServer()).toBe(before + 1);

      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      const panel = page.getByRole('region', { name: 'Notifications' });
      const entry = panel.locator('.notification-item', { hasText: `${SLUG} is live` });
      await entry.waitFor();
      expect(await panel.locator('.notification-item').count()).toBe(before + 1);
      expect(await entry.count()).toBe(1);
      expect(await entry.getAttribute('class')).toContain('notification-unread');
      expect(await entry.getByRole('link').getAttribute('href')).toBe(`/c/${SLUG}`);

      await panel.getByRole('button', { name: 'Mark all read' }).click();
      await count.waitFor({ state: 'hidden' });
      expect(await entry.getAttribute('class')).not.toContain('notification-unread');
      expect(await unreadOnServer()).toBe(0);

      // A fresh page asks the server again: still nothing unread.
      await page.reload();
      await titleSet();
      expect(await toggle.getAttribute('title')).toBe('0 unread notifications');
      expect(await count.isHidden()).toBe(true);
      // The player may ask for the live playlist before its first segment is written (the watch page's
      // own tests cover that); nothing else may be missing or logged.
      const notFound = /status of 404/;
      expect(missing.filter((path) => !path.startsWith('/hls/'))).toEqual([]);
      expect(problems.filter((line) => notFound.test(line))).toHaveLength(missing.length);
      expect(problems.filter((line) => !notFound.test(line))).toEqual([]);
    });
  },
);
