/**
 * watchedPage's filter of CSP reports (Debian's chromium through playwright-core): it leaves out only
 * playwright-core's own eval (no source file); an eval in a page's script, an inline script and an image
 * from elsewhere are still problems, so any of them fails the page tests that expect none.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, PLAYWRIGHT_EVAL_REPORT, watchedPage } from './browser-test-kit.ts';

const ORIGIN = 'http://127.0.0.1:9';
const CSP = "default-src 'self'; script-src 'self'; img-src 'self'";

describe.skipIf(!hasChromium)(
  `watchedPage's CSP reports in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 120_000 },
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('reports every CSP violation of the page but playwright-core eval', async () => {
      const { context, page, problems } = await watchedPage(browser);
      // Routes added later win over watchedPage's own, which lets 127.0.0.1 through to the network.
      await context.route(`${ORIGIN}/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path === '/page.js') {
          return route.fulfill({ contentType: 'text/javascript', body: "eval('1 + 1');" });
        }
        return route.fulfill({
          contentType: 'text/html',
          headers: { 'Content-Security-Policy': CSP },
          body: `<!doctype html><title>csp</title><script>document.title = 'inline';</script>
<script src="/page.js"></script><img alt="" src="http://127.0.0.1:10/elsewhere.png">`,
        });
      });
      await page.goto(`${ORIGIN}/page`);
      await expect
        .poll(() => problems.filter((problem) => problem.startsWith('CSP violation')).length)
        .toBe(3);
      const reports = problems.filter((problem) => problem.startsWith('CSP violation'));
      expect(reports).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^CSP violation: script-src-elem inline/),
          expect.stringMatching(/^CSP violation: script-src eval at .*\/page\.js:1:/),
          expect.stringMatching(/^CSP violation: img-src http:\/\/127\.0\.0\.1:10\/elsewhere\.png/),
        ]),
      );
      expect(reports).not.toContain(PLAYWRIGHT_EVAL_REPORT);
      await context.close();
    });
  },
);
