/**
 * The API reference in a real browser (Debian's chromium through playwright-core) against a running
 * gateway: every request the page makes is recorded and none may leave 127.0.0.1, no CSP violation,
 * and the first screen shows the API's title and its operations without scrolling or script.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import { freePort } from '@streamhub/infra/shared/free-port';
import { createLogger } from '@streamhub/logger/logger';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../runtime/gateway-runtime.ts';

const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };
// Where to look at the first screen by eye (the test asserts on the page's text, not on pixels).
const SCREENSHOT = process.env.STREAMHUB_DOCS_SCREENSHOT;

describe.skipIf(!existsSync(CHROMIUM))(
  `the API reference in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 120_000 },
  () => {
    let gateway: RunningGateway;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const config = loadConfig(
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: base,
          STREAMHUB_DATA_DIR: await mkdtemp(join(tmpdir(), 'streamhub-docs-browser-')),
          LOG_LEVEL: 'silent',
        },
        { envFile: false },
      );
      gateway = await startGateway(config, {
        logger: createLogger({ level: 'silent', name: 'docs-browser-test' }),
        migrate: true,
        createSigningKeys: true,
        runJobs: false,
        mediaNode: false,
      });
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
      await gateway?.close();
    });

    /** A page that records every request (and stops any to another host) and every CSP violation. */
    async function watchedPage(options: { javaScriptEnabled: boolean }) {
      const context = await browser.newContext({ viewport: VIEWPORT, ...options });
      const requests: string[] = [];
      const problems: string[] = [];
      context.on('request', (request) => requests.push(request.url()));
      // Nothing may leave the machine, even if the page asked: the test fails on the record above.
      await context.route('**/*', (route) =>
        new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
      );
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      // Injected by the browser, not the page, so the page's CSP does not stop it.
      await page.addInitScript(
        `document.addEventListener('securitypolicyviolation', (event) => {
          console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI);
        });`,
      );
      return { context, page, requests, problems };
    }

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
      const { context, page, requests, problems } = await watchedPage({ javaScriptEnabled: true });
      await page.goto(`${base}/docs`, { waitUntil: 'load' });
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
      const { context, page, requests, problems } = await watchedPage({ javaScriptEnabled: false });
      await page.goto(`${base}/docs`, { waitUntil: 'load' });
      expect(await page.locator('h1').allInnerTexts()).toEqual([expect.stringMatching(/^StreamHub API/)]);
      expect(await onFirstScreen(page, '.docs-nav a[href="#op-login"]')).toBe(true);
      // Deep in the page, spelled out: the request body's fields and the answers.
      const reset = page.locator('#op-confirmPasswordReset');
      expect(await reset.locator('.fields code.field').allInnerTexts()).toEqual(['token', 'password']);
      expect(await reset.locator('.responses dt').allInnerTexts()).toEqual(
        expect.arrayContaining(['204', '400', '422']),
      );
      expect(requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });
  },
);
