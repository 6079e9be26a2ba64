/**
 * The API reference in a real browser (Debian's chromium through playwright-core) against a running
 * gateway: every request the page makes is recorded and none may leave 127.0.0.1, no CSP violation,
 * and the first screen shows the API's title and its operations without scrolling or script; axe-core
 * finds no serious or critical violation at 375 and 1280 px, light and dark, with screenshots.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  saveScreenshot,
  seriousViolations,
  sidewaysOverflow,
  startPageGateway,
  watchedPage,
} from '../web/browser-test-kit.ts';

const VIEWPORT = { width: 1280, height: 800 };
// Where to look at the first screen by eye (the test asserts on the page's text, not on pixels).
const SCREENSHOT = process.env.STREAMHUB_DOCS_SCREENSHOT;

describe.skipIf(!hasChromium)(
  `the API reference in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 120_000 },
  () => {
    let server: PageGateway;
    let browser: Browser;

    beforeAll(async () => {
      server = await startPageGateway();
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
    });

    /** The element's box lies inside the first screen. */
    async function onFirstScreen(page: Page, selector: string): Promise<boolean> {
      const box = await page.locator(selector).first().boundingBox();
      return (
        box !== null &&
        box.y >= 0 &&
        box.y + box.height <= VIEWPORT.height &&
        box.x >= 0 &&
        box.x + box.width <= VIEWPORT.width
      );
    }

    it('shows the title and the operations on the first screen, asking nothing of any other host', async () => {
      const { context, page, requests, elsewhere, problems } = await watchedPage(browser, {
        viewport: VIEWPORT,
      });
      await page.goto(`${server.base}/docs`, { waitUntil: 'load' });
      await page.waitForLoadState('networkidle');
      if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });

      // Visible text: what the reader sees, laid out (hidden elements have none).
      expect(await page.locator('h1').allInnerTexts()).toEqual([
        expect.stringMatching(/^StreamHub API\s+\d+\.\d+\.\d+/),
      ]);
      expect(await onFirstScreen(page, 'h1')).toBe(true);
      const register = page.locator('.docs-nav a[href="#op-register"]');
      expect(await register.allInnerTexts()).toEqual([
        expect.stringMatching(/POST\s+\/api\/v1\/auth\/register/),
      ]);
      expect(await onFirstScreen(page, '.docs-nav a[href="#op-register"]')).toBe(true);
      const visibleLinks = await page.locator('.docs-nav a[href^="#op-"]').evaluateAll(
        (links, height) =>
          links.filter((link) => {
            const box = link.getBoundingClientRect();
            return box.height > 0 && box.bottom <= height;
          }).length,
        VIEWPORT.height,
      );
      expect(visibleLinks).toBeGreaterThanOrEqual(15);

      expect(requests.length).toBeGreaterThan(0);
      expect(elsewhere).toEqual([]);
      expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
      expect(requests.filter((url) => !/\/docs$|\/assets\/[\w.-]+$/.test(url))).toEqual([]);
      expect(problems).toEqual([]);

      // The filter: only the password reset operations, in the list and in the reference.
      await page.fill('#docs-filter', 'password-reset');
      expect(await page.locator('.docs-nav li:not([hidden]) a').allInnerTexts()).toEqual([
        expect.stringMatching(/POST\s+\/api\/v1\/auth\/password-reset\/request/),
        expect.stringMatching(/POST\s+\/api\/v1\/auth\/password-reset\/confirm/),
      ]);
      expect(await page.isVisible('#op-confirmPasswordReset')).toBe(true);
      expect(await page.isVisible('#op-register')).toBe(false);
      expect(await page.isVisible('.tag[data-tag="videos"]')).toBe(false);
      await context.close();
    });

    it('is complete without script: the reference is HTML, not a client-side render', async () => {
      const { context, page, requests, elsewhere, problems } = await watchedPage(browser, {
        viewport: VIEWPORT,
        javaScriptEnabled: false,
      });
      await page.goto(`${server.base}/docs`, { waitUntil: 'load' });
      expect(await page.locator('h1').allInnerTexts()).toEqual([expect.stringMatching(/^StreamHub API/)]);
      expect(await onFirstScreen(page, '.docs-nav a[href="#op-login"]')).toBe(true);
      // Deep in the page, spelled out in the HTML: the request body's fields and the answers. (Their text
      // content: cards far from the screen are not laid out, content-visibility, so have no inner text yet.)
      const reset = page.locator('#op-confirmPasswordReset');
      expect(await reset.locator('.fields code.field').allTextContents()).toEqual(['token', 'password']);
      expect(await reset.locator('.responses dt').allTextContents()).toEqual(
        expect.arrayContaining(['204', '400', '422']),
      );
      expect(elsewhere).toEqual([]);
      expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('has no serious or critical axe violation at 375 and 1280 px, light and dark, and never scrolls sideways', async () => {
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const { context, page, problems } = await watchedPage(browser, {
            viewport: { width, height: width < 600 ? 740 : 800 },
            colorScheme,
          });
          await page.goto(`${server.base}/docs`, { waitUntil: 'load' });
          // The filter is shown by the page's script: checked with it, as a reader meets it.
          await page.locator('#docs-filter:not([hidden])').waitFor();
          expect(await sidewaysOverflow(page), `${width}px`).toEqual([]);
          for (const violation of await seriousViolations(page)) {
            found.push(`${width}px ${colorScheme}: ${violation}`);
          }
          // The first screen: the whole reference is too long a picture to draw.
          await saveScreenshot(page, `docs-${width}-${colorScheme}`, false);
          expect(problems).toEqual([]);
          await context.close();
        }
      }
      expect(found).toEqual([]);
      // axe over every operation of the reference takes a while on a loaded machine.
    }, 600_000);
  },
);
