/**
 * The notification preferences page in a real browser (Debian's chromium through playwright-core): a
 * streamer turns off in-app notices of new followers with the keyboard alone, and a follow then leaves
 * nothing in the bell's feed, until the switch is turned back on; then turns email of them on, and the
 * next follow is emailed to a real SMTP server in the test. And the settings pages in both themes: the
 * app has no manual switch (it follows prefers-color-scheme), so each scheme is emulated and must
 * render differently with no serious or critical axe violation.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { NotificationPageSchema, NotificationPreferencesSchema } from '@streamhub/contracts/notifications';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '../testing/smtp-test-server.ts';
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
const MAILED_FAN = { email: 'prefs-mailed@example.test', username: 'mailed_fan', password: PASSWORD };
const SLUG = 'prefs-channel';
const FOLLOWER_IN_APP = 'New followers: In the app';
const FOLLOWER_EMAIL = 'New followers: Email';

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
    let smtp: TestSmtpServer;
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

    /**
     * From the top of a freshly loaded preferences page, Tabs to the new-followers switch named `label`
     * and flips it with Space to `checked`; checks the page says so and the server keeps it.
     */
    async function flipFollowerSwitch(
      page: Page,
      token: string,
      label: string,
      bit: 'inApp' | 'email',
      checked: boolean,
    ): Promise<void> {
      const followerSwitch = page.getByLabel(label, { exact: true });
      await page.goto(`${server.base}/settings/notifications`);
      await followerSwitch.waitFor();
      expect(await followerSwitch.isChecked()).toBe(!checked);
      await tabTo(page, `input[aria-label="${label}"]`);
      await page.keyboard.press('Space');
      await expect.poll(() => page.locator('#notification-settings-status').textContent()).toBe('Saved.');
      expect(await followerSwitch.isChecked()).toBe(checked);
      const saved = NotificationPreferencesSchema.parse(
        await call('GET', '/api/v1/notifications/preferences', token),
      ).types.find((preference) => preference.type === 'channel.follower');
      expect(saved).toMatchObject({ [bit]: checked });
    }

    beforeAll(async () => {
      smtp = await startTestSmtpServer();
      // One email per notification, so a follow's email is sent at once rather than in a digest.
      server = await startPageGateway({ SMTP_URL: smtp.url, NOTIFICATIONS_EMAIL_DIGEST: 'off' });
      for (const account of [STREAMER, QUIET_FAN, LOUD_FAN, MAILED_FAN]) {
        await postJson(server.base, '/api/v1/auth/register', account);
      }
      const streamer = (await login(STREAMER.email)).accessToken;
      await postJson(server.base, '/api/v1/channels', { slug: SLUG, title: 'Preferences' }, streamer);
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
      await smtp?.close();
    });

    it('turns off in-app notices of new followers by keyboard, and a follow then lands nowhere in the feed', async () => {
      const streamer = await login(STREAMER.email);
      const followerNotices = async () =>
        NotificationPageSchema.parse(
          await call('GET', '/api/v1/notifications', streamer.accessToken),
        ).items.filter((item) => item.type === 'channel.follower');
      const { page, problems } = await watchedPage(browser, { viewport: { width: 1280, height: 800 } });
      await signInPage(page, streamer);
      const followerSwitch = page.getByLabel(FOLLOWER_IN_APP, { exact: true });

      const toggleByKeyboard = (checked: boolean) =>
        flipFollowerSwitch(page, streamer.accessToken, FOLLOWER_IN_APP, 'inApp', checked);

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

    it('turns on email of new followers by keyboard, and the next follow is emailed', async () => {
      const streamer = await login(STREAMER.email);
      const { page, problems } = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await signInPage(page, streamer);
      await flipFollowerSwitch(page, streamer.accessToken, FOLLOWER_EMAIL, 'email', true);

      await call('PUT', `/api/v1/channels/${SLUG}/follow`, (await login(MAILED_FAN.email)).accessToken);
      const mail = await smtp.waitForMail(
        (message) =>
          message.envelope.to.includes(STREAMER.email) && message.text.includes('mailed_fan now follows'),
        60_000,
      );
      expect(mail.text).toContain('mailed_fan now follows your channel');
      // The follows made before, with email off, sent none.
      expect(smtp.messages.filter((message) => /(quiet|loud)_fan now follows/.test(message.text))).toEqual(
        [],
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
