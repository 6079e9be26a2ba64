/**
 * The admin's instance settings in a real browser (Debian's chromium through playwright-core): with the
 * keyboard alone, an admin lets verified accounts stream, and a verified viewer who was refused a
 * channel then opens one and gets a stream key; a bad limit is refused with its error under the field
 * (aria-invalid, the focus on it); restoring the default policy refuses the viewer a new stream key, and
 * a new secret for its key (the studio's message says why). The admins' recent changes are listed under
 * the form (who, what from → to), a page at a time.
 * Then axe-core (no serious or critical violation) and screenshots at 375 and 1280 px, light and dark.
 */
import type { TokenPair } from '@streamhub/contracts/auth';
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

describe.skipIf(!hasChromium)(
  `the admin's instance settings in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 300_000 },
  () => {
    let server: PageGateway;
    let browser: Browser;
    let base: string;
    let adminTokens: TokenPair;
    let viewerTokens: TokenPair;

    const login = async (email: string) =>
      (await postJson(base, '/api/v1/auth/login', { email, password: PASSWORD })) as TokenPair;
    const asViewer = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${viewerTokens.accessToken}` },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      server = await startPageGateway({ CHANNEL_CREATION: 'streamers', RATE_LIMIT_MAX: '100000' });
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      // The first account of a fresh instance is its admin; the admin creates a viewer whose email
      // counts as verified (accounts an admin creates are).
      await postJson(base, '/api/v1/auth/register', {
        email: 'admin@example.test',
        username: 'settings_admin',
        password: PASSWORD,
      });
      adminTokens = await login('admin@example.test');
      await postJson(
        base,
        '/api/v1/users',
        { email: 'viewer@example.test', username: 'verified_viewer', password: PASSWORD },
        adminTokens.accessToken,
      );
      viewerTokens = await login('viewer@example.test');
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
    });

    /** Presses Tab until `matches` holds for the focused element (at most 80 times: the page is short). */
    async function tabTo(page: Page, matches: string, what: string): Promise<void> {
      for (let presses = 0; presses < 80; presses += 1) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(matches)}) ?? false`)) {
          return;
        }
      }
      throw new Error(`Tab never reached ${what}`);
    }

    it('lets an admin change who may stream with the keyboard alone; the rules follow at once', async () => {
      const refused = await asViewer('/api/v1/channels', { slug: 'verified-viewer', title: 'Mine' });
      expect(refused.status, await refused.text()).toBe(403);

      const admin = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      const { page } = admin;
      await signInPage(page, adminTokens);
      await page.goto(`${base}/admin/instance`);
      const policy = page.getByRole('group', { name: 'Who may open a channel and stream' });
      await policy.waitFor();
      await expect(
        page
          .getByRole('radio', { name: 'Accounts with the streamer or admin role (an admin grants it)' })
          .isChecked(),
      ).resolves.toBe(true);

      // The radio group takes the focus on its checked radio; an arrow key moves the choice.
      await tabTo(page, 'input[name="channelCreation"]', 'the policy');
      await page.keyboard.press('ArrowDown');
      await expect(
        page.getByRole('radio', { name: 'Any account with a verified email address' }).isChecked(),
      ).resolves.toBe(true);
      await tabTo(page, 'button[type="submit"]', 'the save button');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'The settings are saved and apply now.' }).waitFor();
      // The default is overridden now: its restore button shows.
      const restore = page.getByRole('button', {
        name: 'Restore the default of “Who may open a channel and stream”',
      });
      await restore.waitFor();

      const opened = await asViewer('/api/v1/channels', { slug: 'verified-viewer', title: 'Mine' });
      expect(opened.status, await opened.clone().text()).toBe(201);
      const key = await asViewer('/api/v1/channels/verified-viewer/keys', { name: 'OBS' });
      expect(key.status, await key.text()).toBe(201);

      // A limit out of bounds: refused before it is sent, its error read with the field, which has the focus.
      const clips = page.getByRole('spinbutton', { name: 'Clips one account may make per hour' });
      await tabTo(page, '#setting-clipsPerUserPerHour', 'the clips limit');
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('0');
      await tabTo(page, 'button[type="submit"]', 'the save button');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').filter({ hasText: 'Some settings are not valid' }).waitFor();
      await expect(clips.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('setting-clipsPerUserPerHour');
      const error = await page.locator('#setting-clipsPerUserPerHour-error').textContent();
      expect(error).toBe('Enter a whole number from 1 to 1000.');
      expect(await clips.evaluate((input) => input.getAttribute('aria-describedby'))).toContain(
        'setting-clipsPerUserPerHour-error',
      );
      // Corrected, it is saved and the error goes.
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('25');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'The settings are saved and apply now.' }).waitFor();
      await expect(clips.getAttribute('aria-invalid')).resolves.toBeNull();
      const settings = (await (
        await fetch(`${base}/api/v1/admin/settings`, {
          headers: { Authorization: `Bearer ${adminTokens.accessToken}` },
        })
      ).json()) as { effective: { clipsPerUserPerHour: number; channelCreation: string } };
      expect(settings.effective).toMatchObject({ clipsPerUserPerHour: 25, channelCreation: 'verified' });

      // Back to the default policy, by keyboard: the focus lands on the policy, and the viewer gets no new key.
      await tabTo(page, 'button[data-restore="channelCreation"]', 'the policy’s restore button');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'is back to its default' }).waitFor();
      await expect(restore.isHidden()).resolves.toBe(true);
      expect(await page.evaluate('document.activeElement?.name')).toBe('channelCreation');
      const noKey = await asViewer('/api/v1/channels/verified-viewer/keys', { name: 'Second' });
      expect(noKey.status, await noKey.text()).toBe(403);
      // Nor a new secret for the key it has: the studio says why, and shows no new secret.
      const streamer = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await signInPage(streamer.page, viewerTokens);
      await streamer.page.goto(`${base}/studio/stream`);
      await streamer.page.getByRole('button', { name: 'Replace the key OBS' }).click();
      await streamer.page
        .getByRole('alert')
        .filter({ hasText: 'Replacing a stream key needs the streamer role' })
        .waitFor();
      await expect(streamer.page.locator('#new-key').isHidden()).resolves.toBe(true);
      // The refusal's 403 is the one console error the browser logs for the page.
      expect(streamer.problems.filter((problem) => !/status of 403/.test(problem))).toEqual([]);
      await streamer.context.close();

      expect(admin.problems).toEqual([]);
      expect(admin.elsewhere).toEqual([]);
      await admin.context.close();
    });

    it('lists the recent changes under the form, who and what from → to, paged with the keyboard', async () => {
      // Eleven more saves through the API: more than one page of the history.
      for (let clips = 30; clips <= 40; clips += 1) {
        const saved = await fetch(`${base}/api/v1/admin/settings`, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminTokens.accessToken}` },
          body: JSON.stringify({ clipsPerUserPerHour: clips }),
        });
        expect(saved.status, await saved.text()).toBe(200);
      }
      const { context, page, problems, elsewhere } = await watchedPage(browser, {
        viewport: { width: 375, height: 740 },
      });
      await signInPage(page, adminTokens);
      await page.goto(`${base}/admin/instance`);
      const rows = page.locator('#settings-history-rows tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(10);
      expect(await rows.first().locator('td').nth(1).textContent()).toBe('settings_admin');
      expect(await rows.first().locator('li').allTextContents()).toEqual([
        'Clips one account may make per hour: 39 → 40',
      ]);
      // The first test's saves, further down: a policy chosen and restored, named as the form names them.
      await tabTo(page, '#settings-history-more', 'the older changes button');
      await page.keyboard.press('Enter');
      await expect.poll(() => rows.count()).toBeGreaterThan(10);
      await expect(page.locator('#settings-history-more').isHidden()).resolves.toBe(true);
      expect(await page.evaluate('document.activeElement?.id')).toBe('settings-history-heading');
      const older = (await rows.locator('li').allTextContents()).slice(10);
      expect(older).toContain(
        'Who may open a channel and stream: Any account with a verified email address → the default',
      );
      expect(older).toContain(
        'Who may open a channel and stream: the default → Any account with a verified email address',
      );
      expect(older).toContain('Clips one account may make per hour: the default → 25');
      // A save in the page puts itself at the top.
      await page
        .getByRole('button', { name: 'Restore the default of “Clips one account may make per hour”' })
        .click();
      await page.getByRole('status').filter({ hasText: 'is back to its default' }).waitFor();
      await expect
        .poll(() => rows.first().locator('li').allTextContents())
        .toEqual(['Clips one account may make per hour: 40 → the default']);
      expect(problems).toEqual([]);
      expect(elsewhere).toEqual([]);
      await context.close();
    });

    it('passes axe-core at 375 and 1280 px, light and dark, without sideways scrolling', async () => {
      for (const width of [375, 1280]) {
        for (const colorScheme of ['light', 'dark'] as const) {
          const { context, page, problems } = await watchedPage(browser, {
            viewport: { width, height: 900 },
            colorScheme,
          });
          await signInPage(page, adminTokens);
          await page.goto(`${base}/admin/instance`);
          // Once the island has asked who reads (a non-admin's form would be hidden), the page is settled.
          await page.waitForLoadState('networkidle');
          await page.locator('#instance-settings-form').waitFor();
          await page.locator('#settings-history-rows tr').first().waitFor();
          expect(await seriousViolations(page), `${width} px ${colorScheme}`).toEqual([]);
          expect(
            await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
            `${width} px ${colorScheme} scrolls sideways`,
          ).toBe(true);
          await saveScreenshot(page, `admin-instance-settings-${width}-${colorScheme}`);
          expect(problems).toEqual([]);
          await context.close();
        }
      }
    });

    it('hides the form from a signed-in non-admin', async () => {
      const { context, page } = await watchedPage(browser);
      await signInPage(page, viewerTokens);
      await page.goto(`${base}/admin/instance`);
      await page.locator('#workspace-notice').filter({ hasText: /./ }).waitFor();
      await expect(page.locator('#instance-settings-form').isHidden()).resolves.toBe(true);
      await context.close();
    });
  },
);
