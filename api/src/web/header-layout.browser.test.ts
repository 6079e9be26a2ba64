/**
 * The header at 375 px in a real browser (Debian's chromium through playwright-core): on every main page,
 * signed out and signed in as an admin (the longest account menu: name, Studio, Admin, the bell,
 * Settings, Sign out, with an unread count on the bell), nothing the header shows sits within 8 px of the viewport's edges, where a thumb
 * or a rounded screen corner would cover it.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  postJson,
  saveScreenshot,
  signInPage,
  startPageGateway,
  watchedPage,
} from './browser-test-kit.ts';

const WIDTH = 375;
const MARGIN = 8;
const PASSWORD = 'a long test password';
// The first account of an instance is its admin (first-account.ts), so the Admin link shows too.
const ADMIN = {
  email: 'edge-admin@example.test',
  username: 'edge_admin_with_a_long_name',
  password: PASSWORD,
};
// Follows the admin's channel, so the bell shows an unread count: the widest the menu gets.
const FAN = { email: 'edge-fan@example.test', username: 'edge_fan', password: PASSWORD };
const SLUG = 'edge-channel';
const PAGES = [
  '/',
  '/directory',
  '/search?q=edge',
  `/c/${SLUG}`,
  '/sign-in',
  '/sign-up',
  '/settings',
  '/settings/notifications',
  '/studio',
  '/admin',
];

/**
 * The header's visible leaves (links, buttons, fields, text) closer than MARGIN to either side, as
 * "tag#id 'text' at left–right". A string, not a function: this package's TypeScript has no DOM types.
 */
const tooCloseToEdges = (page: Page) =>
  page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const leaves = [...document.querySelectorAll('.site-header *')].filter(
      (node) => node.matches('a, button, input, select, label, span') || node.children.length === 0,
    );
    return leaves.flatMap((node) => {
      const box = node.getBoundingClientRect();
      const style = getComputedStyle(node);
      // The visually hidden label and the skip link are off screen on purpose; hidden nodes have no box.
      if (box.width <= 1 || box.height <= 1 || style.visibility === 'hidden') return [];
      if (box.left >= ${MARGIN} && box.right <= width - ${MARGIN}) return [];
      const name = node.tagName.toLowerCase() + (node.id ? '#' + node.id : '');
      const text = (node.textContent || node.getAttribute('aria-label') || '').trim().slice(0, 30);
      return [name + " '" + text + "' at " + Math.round(box.left) + '–' + Math.round(box.right)];
    });
  })()`) as Promise<string[]>;

describe.skipIf(!hasChromium)(
  `the header at ${WIDTH} px in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 240_000 },
  () => {
    let server: PageGateway;
    let browser: Browser;

    beforeAll(async () => {
      server = await startPageGateway();
      await postJson(server.base, '/api/v1/auth/register', ADMIN);
      const token = TokenPairSchema.parse(
        await postJson(server.base, '/api/v1/auth/login', { email: ADMIN.email, password: PASSWORD }),
      ).accessToken;
      await postJson(server.base, '/api/v1/channels', { slug: SLUG, title: 'Edges' }, token);
      await postJson(server.base, '/api/v1/auth/register', FAN);
      const fan = TokenPairSchema.parse(
        await postJson(server.base, '/api/v1/auth/login', { email: FAN.email, password: PASSWORD }),
      ).accessToken;
      const follow = await fetch(`${server.base}/api/v1/channels/${SLUG}/follow`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${fan}` },
      });
      expect(follow.status).toBe(200);
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
    });

    it.each([
      ['signed out', false],
      ['signed in as an admin', true],
    ])('keeps every header item %s at least 8 px from the edges on each main page', async (_, signedIn) => {
      const { page } = await watchedPage(browser, { viewport: { width: WIDTH, height: 740 } });
      if (signedIn) {
        await signInPage(
          page,
          TokenPairSchema.parse(
            await postJson(server.base, '/api/v1/auth/login', { email: ADMIN.email, password: PASSWORD }),
          ),
        );
      }
      const found: string[] = [];
      for (const path of PAGES) {
        await page.goto(`${server.base}${path}`);
        if (signedIn) {
          // The account menu is filled in from /api/v1/me after the first paint: measure it once shown.
          await page.locator('#account-admin:not([hidden])').waitFor();
          await page.locator('#notifications-count:not([hidden])').waitFor({ timeout: 30_000 });
        }
        await page.waitForLoadState('networkidle');
        for (const problem of await tooCloseToEdges(page)) found.push(`${path}: ${problem}`);
      }
      await saveScreenshot(page, `header-${signedIn ? 'admin' : 'signed-out'}-${WIDTH}`);
      expect(found).toEqual([]);
    });
  },
);
