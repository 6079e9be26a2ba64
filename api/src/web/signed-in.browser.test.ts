/**
 * The viewer pages signed in, in a real browser (Debian's chromium through playwright-core), with a
 * channel that real ffmpeg pushes over RTMP: axe-core (no serious or critical violation) and a
 * screenshot under test-artifacts/web/ at 375 and 1280 px in the light and dark themes of the home
 * page's followed-live cards, the live channel page's chat and follow controls, and the open
 * notification panel; then the keyboard alone: signing in, chatting, following and unfollowing, and
 * opening the bell and closing it with Escape.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  type LiveGateway,
  postJson,
  saveScreenshot,
  seriousViolations,
  signInPage,
  startLiveGateway,
  tabTo,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const SLUG = 'signed-in-live';
const CASTER = { email: 'signed-caster@example.test', username: 'signed_caster', password: PASSWORD };
const VIEWER = { email: 'signed-viewer@example.test', username: 'signed_viewer', password: PASSWORD };

// Strings, not functions: this package's TypeScript has no DOM types.
const focusedId = (page: Page) => page.evaluate("document.activeElement?.id ?? ''") as Promise<string>;

describe.skipIf(!hasChromium)(
  `the viewer pages signed in, in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 300_000 },
  () => {
    let server: LiveGateway;
    let browser: Browser;
    let base: string;
    const login = async (email: string) =>
      TokenPairSchema.parse(await postJson(base, '/api/v1/auth/login', { email, password: PASSWORD }));

    beforeAll(async () => {
      server = await startLiveGateway([CASTER, VIEWER]);
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      const caster = (await login(CASTER.email)).accessToken;
      await postJson(
        base,
        '/api/v1/channels',
        { slug: SLUG, title: 'Signed <in>', category: 'software' },
        caster,
      );
      const key = CreatedStreamKeySchema.parse(
        await postJson(base, `/api/v1/channels/${SLUG}/keys`, { name: 'OBS' }, caster),
      );
      // Followed before it goes live, so the viewer's bell holds the go-live notification.
      const response = await fetch(`${base}/api/v1/channels/${SLUG}/follow`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${(await login(VIEWER.email)).accessToken}` },
      });
      expect(response.status).toBe(200);
      startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, 280, '640x360');
    });
    afterAll(async () => {
      killPublishers();
      await browser?.close();
      await server?.gateway.close();
    });

    /** A page signed in as the viewer, at `width`, in `colorScheme`. */
    async function viewerPage(width: number, colorScheme: 'light' | 'dark' = 'light') {
      const watched = await watchedPage(browser, {
        viewport: { width, height: width < 600 ? 740 : 800 },
        colorScheme,
      });
      await signInPage(watched.page, await login(VIEWER.email));
      return watched;
    }

    const ignoringMissingPlaylists = (problems: string[]) =>
      // hls.js's 404s on a playlist not written yet are expected (the watch page's tests cover them).
      problems.filter((problem) => !/status of 404/.test(problem));

    it('has no serious or critical axe violation signed in: followed-live cards, chat and follow, the open bell', async () => {
      const found: string[] = [];
      const check = async (page: Page, name: string, width: number, colorScheme: string) => {
        expect(
          await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
          `${name} at ${width}`,
        ).toBe(true);
        for (const violation of await seriousViolations(page)) {
          found.push(`${name} ${width}px ${colorScheme}: ${violation}`);
        }
        await saveScreenshot(page, `signed-in-${name}-${width}-${colorScheme}`);
      };

      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const { context, page, elsewhere, problems } = await viewerPage(width, colorScheme);

          // The home page with the followed channel's live card (the media node marks it live in seconds).
          const card = page.locator(`#following-live a[href="/c/${SLUG}"]`);
          await expect
            .poll(
              async () => {
                await page.goto(`${base}/`);
                await page.waitForLoadState('networkidle');
                return card.count();
              },
              { timeout: 60_000, interval: 500 },
            )
            .toBe(1);
          await check(page, 'home', width, colorScheme);

          // The bell's panel open, with the go-live notification in it.
          await page.locator('#notifications-toggle').click();
          await page
            .getByRole('region', { name: 'Notifications' })
            .locator('.notification-item', { hasText: `${SLUG} is live` })
            .waitFor({ timeout: 30_000 });
          // All of the panel on screen: scrollWidth (checked above) misses a box that overflows leftwards.
          const box = await page.locator('#notifications-panel').boundingBox();
          expect(box, `the bell's panel at ${width}`).not.toBeNull();
          expect(box && box.x >= 0 && box.x + box.width <= width, `the bell's panel at ${width}`).toBe(true);
          await check(page, 'bell-open', width, colorScheme);

          // The live channel page: chat open for the signed-in viewer, with a line in it, and Following.
          await page.goto(`${base}/c/${SLUG}`);
          await page.waitForSelector('#live-status[data-live="true"]');
          await page.locator('#chat-form:not([hidden])').waitFor({ timeout: 15_000 });
          await expect.poll(() => page.locator('#follow-button').getAttribute('aria-pressed')).toBe('true');
          const line = `hello from ${width}px ${colorScheme}`;
          await page.getByLabel('Message', { exact: true }).fill(line);
          await page.getByRole('button', { name: 'Send' }).click();
          await page.locator('#chat-messages li', { hasText: line }).waitFor({ timeout: 15_000 });
          await check(page, 'channel', width, colorScheme);

          expect(elsewhere).toEqual([]);
          expect(ignoringMissingPlaylists(problems)).toEqual([]);
          await context.close();
        }
      }
      expect(found).toEqual([]);
    });

    it('signs in with the keyboard alone', async () => {
      const { context, page, problems } = await watchedPage(browser, {
        viewport: { width: 1280, height: 800 },
      });
      await page.goto(`${base}/sign-in`);
      await tabTo(page, 'input[type="email"]');
      await page.keyboard.type(VIEWER.email);
      await tabTo(page, 'input[type="password"]', 5);
      await page.keyboard.type(PASSWORD);
      await Promise.all([page.waitForURL(`${base}/`), page.keyboard.press('Enter')]);
      await expect.poll(() => page.locator('#account-name').textContent()).toBe(VIEWER.username);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('chats, follows and unfollows, and opens and closes the bell with the keyboard alone', async () => {
      const { context, page, elsewhere, problems } = await viewerPage(1280);
      await page.goto(`${base}/c/${SLUG}`);
      await page.waitForSelector('#live-status[data-live="true"]', { timeout: 60_000 });
      await page.locator('#chat-form:not([hidden])').waitFor({ timeout: 15_000 });
      await page.locator('#follow-button:not([hidden])').waitFor();

      // Chat: Tab to the message box, type, Enter sends; the box empties and keeps the focus.
      await tabTo(page, '#chat-body');
      await page.keyboard.type('typed, not clicked');
      await page.keyboard.press('Enter');
      await page.locator('#chat-messages li', { hasText: 'typed, not clicked' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#chat-body').inputValue()).toBe('');
      expect(await focusedId(page)).toBe('chat-body');

      // Follow: from the top of the page, Tab to the button; Enter unfollows, Space follows again, and
      // the focus stays on the button throughout (so the next key press still means it).
      await page.evaluate('document.activeElement?.blur()');
      const follow = page.locator('#follow-button');
      const before = await follow.getAttribute('aria-pressed');
      expect(before).toBe('true');
      await tabTo(page, '#follow-button');
      await page.keyboard.press('Enter');
      await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('false');
      expect(await follow.textContent()).toBe('Follow');
      await expect.poll(() => focusedId(page)).toBe('follow-button');
      await page.keyboard.press('Space');
      await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('true');
      expect(await follow.textContent()).toBe('Following');
      await expect.poll(() => focusedId(page)).toBe('follow-button');

      // The bell: Enter opens it, Tab goes into the panel, Escape closes it and gives the focus back.
      const toggle = page.locator('#notifications-toggle');
      const panel = page.getByRole('region', { name: 'Notifications' });
      await tabTo(page, '#notifications-toggle');
      await page.keyboard.press('Enter');
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      await panel.locator('.notification-item', { hasText: `${SLUG} is live` }).waitFor({ timeout: 30_000 });
      await page.keyboard.press('Tab');
      expect(await page.evaluate("document.activeElement?.closest('#notifications-panel') !== null")).toBe(
        true,
      );
      await page.keyboard.press('Escape');
      expect(await panel.isHidden()).toBe(true);
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await focusedId(page)).toBe('notifications-toggle');
      // Space opens it too; Escape with the focus still on the button closes it.
      await page.keyboard.press('Space');
      expect(await panel.isVisible()).toBe(true);
      await page.keyboard.press('Escape');
      expect(await panel.isHidden()).toBe(true);
      expect(await focusedId(page)).toBe('notifications-toggle');

      expect(elsewhere).toEqual([]);
      expect(ignoringMissingPlaylists(problems)).toEqual([]);
      await context.close();
    });
  },
);
