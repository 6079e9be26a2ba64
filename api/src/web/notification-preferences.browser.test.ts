/**
 * The notification preferences page in a real browser (Debian's chromium through playwright-core): a
 * streamer turns off in-app notices of new followers with the keyboard alone, and a follow then leaves
 * nothing in the bell's feed, until the switch is turned back on. And the settings pages in both
 * themes: the app has no manual switch (it follows prefers-color-scheme), so each scheme is emulated
 * and must render differently with no serious or critical axe violation.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { NotificationPageSchema, NotificationPreferencesSchema } from '@streamhub/contracts/notifications';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  postJson,
  saveScreenshot,
  seriousViolations,
  signInPage,
  startPageGateway,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
// The first account of an instance is its admin (first-account.ts), who may open a channel.
const STREAMER = { email: 'prefs-streamer@example.test', username: 'prefs_streamer', password: PASSWORD };
const QUIET_FAN = { email: 'prefs-quiet@example.test', username: 'quiet_fan', password: PASSWORD };
const LOUD_FAN = { email: 'prefs-loud@example.test', username: 'loud_fan', password: PASSWORD };
const SLUG = 'prefs-channel';
const FOLLOWER_IN_APP = 'New followers: In the app';

/**
 * Presses Tab until the focused element matches `selector`; fails when `limit` presses do not reach it,
 * so a switch the keyboard cannot get to fails the test.
 */
async function tabTo(page: Page, selector: string, limit = 60): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} was not reached in ${limit} presses of Tab`);
}

describe.skipIf(!hasChromium)(
  `notification preferences and the themes in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 240_000 },
  () => {
    let server: PageGateway;
    let browser: Browser;
    const login = async (email: string) =>
      TokenPairSchema.parse(await postJson(server.base, '/api/v1/auth/login', { email, password: PASSWORD }));
    const call = async (method: string, path: string, token: string) => {
      const response = await fetch(`${server.base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };

    beforeAll(async () => {
      server = await startPageGateway();
      for (const account of [STREAMER, QUIET_FAN, LOUD_FAN]) {
        await postJson(server.base, '/api/v1/auth/register', account);
      }
      const streamer = (await login(STREAMER.email)).accessToken;
      await postJson(server.base, '/api/v1/channels', { slug: SLUG, title: 'Preferences' }, streamer);
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
    });

    it('turns off in-app notices of new followers by keyboard, and a follow then lands nowhere in the feed', async () => {
      const streamer = await login(STREAMER.email);
      const followerNotices = async () =>
        NotificationPageSchema.parse(
          await call('GET', '/api/v1/notifications', streamer.accessToken),
        ).items.filter((item) => item.type === 'channel.follower');
      const { page, problems } = await watchedPage(browser, { viewport: { width: 1280, height: 800 } });
      await signInPage(page, streamer);
      const status = page.locator('#notification-settings-status');
      const followerSwitch = page.getByLabel(FOLLOWER_IN_APP, { exact: true });

      /** From the top of a freshly loaded page, Tab to the switch and flip it with Space. */
      const toggleByKeyboard = async (checked: boolean) => {
        await page.goto(`${server.base}/settings/notifications`);
        await followerSwitch.waitFor();
        expect(await followerSwitch.isChecked()).toBe(!checked);
        await tabTo(page, `input[aria-label="${FOLLOWER_IN_APP}"]`);
        await page.keyboard.press('Space');
        await expect.poll(() => status.textContent()).toBe('Saved.');
        expect(await followerSwitch.isChecked()).toBe(checked);
        const saved = NotificationPreferencesSchema.parse(
          await call('GET', '/api/v1/notifications/preferences', streamer.accessToken),
        ).types.find((preference) => preference.type === 'channel.follower');
        expect(saved).toMatchObject({ inApp: checked });
      };

      await toggleByKeyboard(false);
      // Still off after a reload: the page shows what the server keeps.
      await page.reload();
      await followerSwitch.waitFor();
      expect(await followerSwitch.isChecked()).toBe(false);

      await call('PUT', `/api/v1/channels/${SLUG}/follow`, (await login(QUIET_FAN.email)).accessToken);
      await toggleByKeyboard(true);
      await call('PUT', `/api/v1/channels/${SLUG}/follow`, (await login(LOUD_FAN.email)).accessToken);

      // The second follow's notice arriving shows the pipeline ran. The first follow's event was
      // written seconds earlier and jobs are taken in order, so it was handled while the switch was off.
      await expect
        .poll(async () => (await followerNotices()).length, { timeout: 60_000, interval: 250 })
        .toBeGreaterThan(0);
      expect((await followerNotices()).map((item) => item.data.username)).toEqual([LOUD_FAN.username]);

      // The bell's feed agrees: the loud fan's notice only.
      await page.locator('#notifications-toggle').press('Enter');
      const panel = page.getByRole('region', { name: 'Notifications' });
      await panel.locator('.notification-item', { hasText: 'loud_fan now follows your channel' }).waitFor();
      expect(await panel.locator('.notification-item', { hasText: 'now follows your channel' }).count()).toBe(
        1,
      );
      expect(problems).toEqual([]);
    });

    it('renders the settings pages in the light and the dark scheme, each with no serious axe violation', async () => {
      const { page, problems } = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await signInPage(page, await login(STREAMER.email));
      const found: string[] = [];
      for (const path of ['/settings', '/settings/notifications']) {
        const backgrounds: string[] = [];
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          await page.goto(`${server.base}${path}`);
          await page.locator('#account-signed-in:not([hidden])').waitFor();
          await page.waitForLoadState('networkidle');
          backgrounds.push(
            (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string,
          );
          expect(problems, `${path} ${colorScheme}`).toEqual([]);
          for (const violation of await seriousViolations(page)) {
            found.push(`${path} ${colorScheme}: ${violation}`);
          }
          await saveScreenshot(page, `settings${path.replaceAll('/', '-')}-375-${colorScheme}`);
        }
        expect(new Set(backgrounds).size, `${path}: ${backgrounds.join(' vs ')}`).toBe(2);
      }
      expect(found).toEqual([]);
    });
  },
);
