/**
 * The signed-in forms with the keyboard alone, in a real browser (Debian's chromium through
 * playwright-core): Tab, Shift+Tab, Enter, Space, arrows and Escape, never the mouse, and every element
 * the focus lands on shows it. The studio's upload (the file picked from the drop zone's input, the
 * progress announced as a status and shown as a progressbar), the admin's users (search, change a role,
 * suspend and lift it) and live channels (end a broadcast), tipping and subscribing on a channel page up
 * to the local Stripe's Checkout, and clipping a live broadcast up to the clip's page.
 */
import { PublicChannelSchema } from '@streamhub/contracts/channels';
import { AdminUserSchema } from '@streamhub/contracts/users';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  focusShown,
  hasChromium,
  postJson,
  signInPage,
  tabTo,
  watchedPage,
} from './browser-test-kit.ts';
import {
  type LivePaymentsFixture,
  makeVideoFile,
  startLivePaymentsFixture,
} from './live-payments-fixture.ts';

const ADMIN = { email: 'kb-admin@example.test', username: 'kb_admin', role: 'admin' as const };
const CASTER = { email: 'kb-caster@example.test', username: 'kb_caster' };
const CUT = { email: 'kb-cut@example.test', username: 'kb_cut' };
const SUSPECT = { email: 'kb-suspect@example.test', username: 'kb_suspect' };
const VIEWER = { email: 'kb-viewer@example.test', username: 'kb_viewer' };
const SLUG = 'kb-live';

// Strings, not functions: this package's TypeScript has no DOM types.
const focused = (page: Page, selector: string) =>
  page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`) as Promise<boolean>;

/** Whether the focus is on `selector` and shows it: the next key press goes where the reader sees. */
async function expectFocusOn(page: Page, selector: string): Promise<void> {
  await expect.poll(() => focused(page, selector), { timeout: 15_000 }).toBe(true);
  expect(await focusShown(page)).toBe(true);
}

// hls.js's 404s on a live playlist not written yet are expected (the watch page's tests cover them).
const withoutMissingPlaylists = (problems: string[]) =>
  problems.filter((problem) => !/status of 404/.test(problem));

describe.skipIf(!hasChromium)(
  `the signed-in forms with the keyboard alone, in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 300_000 },
  () => {
    let fixture: LivePaymentsFixture;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      fixture = await startLivePaymentsFixture([ADMIN, CASTER, CUT, SUSPECT, VIEWER]);
      base = fixture.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      await fixture.goLive(CASTER, SLUG, 'Keyboard <live>', 600);
      const caster = (await fixture.login(CASTER.email)).accessToken;
      await postJson(base, '/api/v1/payments/tiers', { name: 'Fan', price: 300, currency: 'usd' }, caster);
    }, 240_000);
    afterAll(async () => {
      await browser?.close();
      await fixture?.close();
    });

    async function signedInPage(email: string) {
      const watched = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      await signInPage(watched.page, await fixture.login(email));
      return watched;
    }

    it('uploads a video from the studio: the file chosen from the drop zone, the progress announced', async () => {
      const file = await makeVideoFile(2);
      const { context, page, elsewhere, problems } = await signedInPage(CASTER.email);
      await page.goto(`${base}/studio/videos`);
      await page.locator('#no-videos, #my-videos tr').first().waitFor();
      // Every text the status region is given, as a screen reader hears it (it is a polite live region).
      await page.evaluate(`(() => {
        const region = document.getElementById('upload-message');
        window.announced = [];
        new MutationObserver(() => window.announced.push(region.textContent))
          .observe(region, { childList: true, characterData: true, subtree: true });
      })()`);
      expect(await page.locator('#upload-message').getAttribute('role')).toBe('status');

      // The drop zone's file input is the keyboard's way in: Space opens the file picker.
      await tabTo(page, '#upload-file');
      const chooser = page.waitForEvent('filechooser');
      await page.keyboard.press('Space');
      await (await chooser).setFiles(file);
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#upload-title');
      expect(await page.locator('#upload-title').inputValue()).toMatch(/^signed-in-forms-/);
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#upload-visibility');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#upload-form button[type="submit"]');
      await page.keyboard.press('Enter');

      await page.getByRole('status').filter({ hasText: 'Uploaded' }).waitFor({ timeout: 60_000 });
      const announced = (await page.evaluate('window.announced')) as string[];
      expect(
        announced.some((text) => /^Uploading: \d+ %$/.test(text)),
        announced.join(' | '),
      ).toBe(true);
      // The progress is a progressbar named for what it measures (hidden again once done).
      expect(await page.locator('#upload-bar').evaluate((bar: { value: number }) => bar.value)).toBe(100);
      expect(
        await page.getByRole('progressbar', { name: 'Upload progress', includeHidden: true }).count(),
      ).toBe(1);
      // The focus stayed on the button the reader pressed, so the next Tab goes on from there.
      await expectFocusOn(page, '#upload-form button[type="submit"]');
      await page.locator('#my-videos tr', { hasText: 'signed-in-forms-' }).waitFor({ timeout: 30_000 });
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('searches users, changes a role, suspends and lifts it, and ends a broadcast as an admin', async () => {
      const admin = (await fixture.login(ADMIN.email)).accessToken;
      const userRow = async () => {
        const response = await fetch(`${base}/api/v1/users?query=${SUSPECT.username}`, {
          headers: { Authorization: `Bearer ${admin}` },
        });
        const { items } = (await response.json()) as { items: unknown[] };
        return AdminUserSchema.parse(items[0]);
      };
      const { context, page, elsewhere, problems } = await signedInPage(ADMIN.email);
      await page.goto(`${base}/admin`);
      await page.locator('#users tr').first().waitFor();

      // Search: type in the box, Enter submits it.
      await tabTo(page, '#user-search');
      await page.keyboard.type(SUSPECT.username);
      await Promise.all([
        page.waitForURL(`${base}/admin?q=${SUSPECT.username}`),
        page.keyboard.press('Enter'),
      ]);
      await expect.poll(() => page.locator('#users tr').count()).toBe(1);

      // The role: the closed list's arrow keys pass through roles (streamer → viewer → streamer → admin)
      // and save none of them; its Save button saves the one chosen and gives the focus back to the list.
      const role = `select[aria-label="Role of @${SUSPECT.username}"]`;
      const saveRole = `button[aria-label="Save the role of @${SUSPECT.username}"]`;
      await tabTo(page, role);
      expect(await page.locator(role).inputValue()).toBe('streamer');
      expect(await page.locator(saveRole).isHidden()).toBe(true);
      for (const key of ['ArrowUp', 'ArrowDown', 'ArrowDown']) await page.keyboard.press(key);
      expect(await page.locator(role).inputValue()).toBe('admin');
      expect((await userRow()).role).toBe('streamer');
      for (const key of ['ArrowUp', 'ArrowUp']) await page.keyboard.press(key);
      await tabTo(page, saveRole);
      await page.keyboard.press('Enter');
      await page
        .getByRole('status')
        .filter({ hasText: `@${SUSPECT.username} is now viewer.` })
        .waitFor();
      await expectFocusOn(page, role);
      expect(await page.locator(saveRole).isHidden()).toBe(true);
      expect((await userRow()).role).toBe('viewer');

      // Suspend with Enter; the focus moves to the row's new button (Lift), which Space presses.
      await tabTo(page, `button[aria-label="Suspend @${SUSPECT.username}"]`);
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'is suspended' }).waitFor();
      await expectFocusOn(page, `button[aria-label="Lift the suspension of @${SUSPECT.username}"]`);
      expect((await userRow()).status).toBe('suspended');
      await page.keyboard.press('Space');
      await page.getByRole('status').filter({ hasText: 'may sign in again' }).waitFor();
      await expectFocusOn(page, `button[aria-label="Suspend @${SUSPECT.username}"]`);
      expect((await userRow()).status).toBe('active');
      // Shift+Tab goes back to the role it changed.
      await tabTo(page, role, 5, true);

      // The live channels: Enter on a row's button ends that broadcast, and the focus stays on it.
      const cutSlug = 'kb-cut-live';
      await fixture.goLive(CUT, cutSlug, 'Cut <me>', 300);
      await page.goto(`${base}/admin/live`);
      const cut = 'button[aria-label="End the broadcast of Cut <me>"]';
      await page.locator(cut).waitFor();
      await tabTo(page, cut);
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'The broadcast is ended' }).waitFor();
      await expectFocusOn(page, cut);
      expect(await page.locator(cut).getAttribute('aria-disabled')).toBe('true');
      const live = async () =>
        PublicChannelSchema.parse(await (await fetch(`${base}/api/v1/channels/${cutSlug}`)).json()).live;
      await expect.poll(live, { timeout: 15_000 }).toBe(false);
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('tips, and subscribes to a tier, on the channel page, up to Stripe Checkout', async () => {
      const { context, page, elsewhere, problems } = await signedInPage(VIEWER.email);
      await page.goto(`${base}/c/${SLUG}`);
      await page.locator('#tip-button').waitFor();

      // Subscribe: Enter opens the tiers, Escape closes them and gives the focus back to the button.
      await tabTo(page, '#subscribe-button');
      await page.keyboard.press('Enter');
      expect(await page.locator('#subscribe-button').getAttribute('aria-expanded')).toBe('true');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#tiers-panel button[data-tier]');
      await page.keyboard.press('Escape');
      expect(await page.locator('#tiers-panel').isHidden()).toBe(true);
      expect(await page.locator('#subscribe-button').getAttribute('aria-expanded')).toBe('false');
      await expectFocusOn(page, '#subscribe-button');

      // Tip: Shift+Tab back to its button, Space opens the form on the amount; Enter in it pays.
      await tabTo(page, '#tip-button', 5, true);
      await page.keyboard.press('Space');
      await expectFocusOn(page, '#tip-amount');
      await page.keyboard.type('3.25');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#tip-currency');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#tip-note');
      await page.keyboard.type('Typed, not clicked');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#tip-form button[type="submit"]');
      // The local Stripe has no Checkout page to show: only the URL the browser is sent to matters.
      expect(withoutMissingPlaylists(problems)).toEqual([]);
      await Promise.all([page.waitForURL(`${fixture.stripe.url}/c/pay/**`), page.keyboard.press('Enter')]);
      const tip = [...fixture.stripe.sessions.values()].find((session) => page.url() === session.url);
      expect(tip).toMatchObject({ mode: 'payment', amount_total: 325, currency: 'usd' });

      // Subscribe again, all the way: Space opens the tiers, Tab to the tier, Enter goes to Checkout.
      await page.goto(`${base}/c/${SLUG}`);
      await page.locator('#subscribe-button').waitFor();
      await tabTo(page, '#subscribe-button');
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#tiers-panel button[data-tier]');
      await Promise.all([page.waitForURL(`${fixture.stripe.url}/c/pay/**`), page.keyboard.press('Enter')]);
      const subscription = [...fixture.stripe.sessions.values()].find(
        (session) => page.url() === session.url,
      );
      expect(subscription?.mode).toBe('subscription');
      expect(elsewhere.filter((url) => !url.startsWith(fixture.stripe.url))).toEqual([]);
      await context.close();
    });

    it('clips the live broadcast and opens the clip', async () => {
      // The DVR window must hold the 10 s asked for: wait until the broadcast is older than that.
      const startedAt = async () => {
        const channel = PublicChannelSchema.parse(
          await (await fetch(`${base}/api/v1/channels/${SLUG}`)).json(),
        );
        return Date.parse(channel.session?.startedAt ?? '');
      };
      await expect
        .poll(async () => Date.now() - (await startedAt()), { timeout: 60_000 })
        .toBeGreaterThan(15_000);

      const { context, page, elsewhere, problems } = await signedInPage(CASTER.email);
      await page.goto(`${base}/c/${SLUG}`);
      await page.locator('#clip-form:not([hidden])').waitFor({ timeout: 15_000 });
      const length = '#clip-form select[name="seconds"]';
      await tabTo(page, length);
      expect(await page.locator(length).inputValue()).toBe('30');
      await page.keyboard.press('ArrowUp');
      expect(await page.locator(length).inputValue()).toBe('10');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#clip-form button[type="submit"]');
      await page.keyboard.press('Enter');
      const link = page.getByRole('link', { name: 'Watch the clip' });
      await link.waitFor({ timeout: 60_000 });
      expect(await page.locator('#clip-error').textContent()).toBe('');
      // The focus stayed on the button while the clip was cut; the next Tab reaches the new link.
      await expectFocusOn(page, '#clip-form button[type="submit"]');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, '#clip-link');
      const href = (await link.getAttribute('href')) ?? '';
      expect(href).toMatch(/\/v\/[0-9a-f-]{36}$/);
      await Promise.all([page.waitForURL(href), page.keyboard.press('Enter')]);
      expect(elsewhere).toEqual([]);
      expect(withoutMissingPlaylists(problems)).toEqual([]);
      await context.close();
    });
  },
);
