/**
 * For the pages' browser tests: Debian's chromium through playwright-core (its own browser downloads
 * are not used), a gateway on the embedded defaults, and a page that records what it asks for.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import { freePort } from '@streamhub/infra/shared/free-port';
import { createLogger } from '@streamhub/logger/logger';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { type RunningGateway, startGateway } from '../runtime/gateway-runtime.ts';

// `apt-get install chromium`; tests skip themselves, saying so, where it is missing.
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export interface PageGateway {
  base: string;
  gateway: RunningGateway;
}

/** A gateway on 127.0.0.1 and a fresh data directory, migrated, with in-process jobs and no media node. */
export async function startPageGateway(env: Record<string, string> = {}): Promise<PageGateway> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      STREAMHUB_DATA_DIR: await mkdtemp(join(tmpdir(), 'streamhub-pages-browser-')),
      LOG_LEVEL: 'silent',
      ...env,
    },
    { envFile: false },
  );
  const gateway = await startGateway(config, {
    logger: createLogger({ level: 'silent', name: 'pages-browser-test' }),
    migrate: true,
    createSigningKeys: true,
    runJobs: true,
    mediaNode: false,
  });
  return { base, gateway };
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for, in order. */
  requests: string[];
  /** Those to a host other than 127.0.0.1 (all stopped before they left). */
  elsewhere: string[];
  /** Console errors and warnings, uncaught exceptions and CSP violations. */
  problems: string[];
}

export async function watchedPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const requests: string[] = [];
  const elsewhere: string[] = [];
  const problems: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === '127.0.0.1') return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
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
  return { context, page, requests, elsewhere, problems };
}
