/**
 * For the pages' browser tests: Debian's chromium through playwright-core (its own browser downloads
 * are not used), a gateway on the embedded defaults, and a page that records what it asks for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@streamhub/config/config';
import type { TokenPair } from '@streamhub/contracts/auth';
import { VideoSchema } from '@streamhub/contracts/videos';
import { openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { freePort } from '@streamhub/infra/shared/free-port';
import { createLogger } from '@streamhub/logger/logger';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { hashPassword } from '../domains/auth/password.ts';
import { UsersRepository } from '../domains/users/users.repository.ts';
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

export interface LiveGateway extends PageGateway {
  rtmpPort: number;
  /** STREAMHUB_DATA_DIR: the media storage is its `media/` (bench/live watches the playlists there). */
  dataDir: string;
}

/**
 * A gateway with the media node in-process (as `streamhub dev` runs it), RTMP on a free port, a short
 * live ladder (one 360p rendition, 1 s segments) and `accounts` provisioned the way `streamhub user
 * create --role <role>` does (streamers unless a role is given), before the gateway holds the database.
 */
export async function startLiveGateway(
  accounts: { email: string; username: string; password: string; role?: 'streamer' | 'admin' }[],
  env: Record<string, string> = {},
): Promise<LiveGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamhub-live-browser-'));
  const [port, rtmpPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const database = await openDatabase({ dataDir });
  try {
    await migrateDatabase(database);
    const users = new UsersRepository(database.db);
    for (const { email, username, password, role = 'streamer' } of accounts) {
      await users.create({
        email,
        username,
        role,
        passwordHash: await hashPassword(password),
        emailVerifiedAt: new Date(),
      });
    }
  } finally {
    await database.close();
  }
  const config = loadConfig(
    {
      PORT: String(port),
      RTMP_PORT: String(rtmpPort),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      STREAMHUB_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_LADDER: '360',
      LIVE_X264_PRESET: 'ultrafast',
      LIVE_RECONNECT_GRACE_SECONDS: '1',
      ...env,
    },
    { envFile: false },
  );
  const gateway = await startGateway(config, {
    logger: createLogger({ level: 'silent', name: 'live-browser-test' }),
    migrate: false,
    createSigningKeys: true,
    runJobs: true,
    mediaNode: true,
  });
  return { base, gateway, rtmpPort, dataDir };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now, one line each. axe is evaluated
 * by the browser's debugger protocol, not added as a <script>, so the page's CSP neither blocks it nor
 * has to allow it.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${AXE_SOURCE}\n;0`);
  const results = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as AxeResults;
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    );
}

/** Git-ignored; CI keeps it as the run's artifacts, so a person can look at every page. */
export const SCREENSHOTS_DIR = fileURLToPath(new URL('../../test-artifacts/web/', import.meta.url));

/** The whole page, or only its first screen when `fullPage` is false (a page too long to draw whole). */
export async function saveScreenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
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

/** The one CSP report `watchedPage` leaves out: an eval with no source file (playwright-core's own). */
export const PLAYWRIGHT_EVAL_REPORT = 'CSP violation: script-src eval';

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
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const text = message.text();
    // playwright-core's utility script runs each evaluate() and some clicks through eval, which a loaded
    // run has seen the pages' CSP report without a source file (16 times in one journey). The app's code
    // has no eval, and an eval from a page's own script names its file, so it is still reported.
    if (text === PLAYWRIGHT_EVAL_REPORT) return;
    problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // Injected by the browser, not the page, so the page's CSP does not stop it.
  await page.addInitScript(
    `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI +
        (event.sourceFile ? ' at ' + event.sourceFile + ':' + event.lineNumber + ':' + event.columnNumber : ''));
    });`,
  );
  return { context, page, requests, elsewhere, problems };
}

/** POSTs JSON to the gateway at `base`, with an access token when given; the answer's JSON, or an error naming the status. */
export async function postJson(base: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A video's status as its public API answers it, or the HTTP status where it answers none. */
export async function videoStatusOf(base: string, id: string): Promise<string | number> {
  const response = await fetch(`${base}/api/v1/videos/${id}`);
  return response.ok ? VideoSchema.parse(await response.json()).status : response.status;
}

/**
 * The broadcast recording's row in the studio's videos list (open on `page`), once it reads Ready: the
 * recording is processed after the broadcast ends, so the list is reloaded every 2 s until then.
 */
export async function recordingReadyInStudio(page: Page, timeoutMs: number): Promise<Locator> {
  const recording = page.locator('#my-videos tr').filter({ hasText: 'Recording' }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.reload();
    await page.waitForLoadState('networkidle');
    const state = (await recording.count()) > 0 ? await recording.locator('td').nth(2).textContent() : null;
    if (state === 'Ready') return recording;
    if (Date.now() > deadline)
      throw new Error(`no Ready recording in the studio after ${timeoutMs} ms (${state})`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Signs `page` in as the sign-in page leaves it (client/auth-session.ts), before any of its scripts run. */
export async function signInPage(page: Page, tokens: TokenPair): Promise<void> {
  await page.addInitScript(
    `localStorage.setItem('streamhub.session', ${JSON.stringify(
      JSON.stringify({
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: Date.now() + tokens.expiresIn * 1000,
        lifetime: tokens.expiresIn * 1000,
      }),
    )});`,
  );
}

/**
 * What sticks out past the viewport's right edge (nothing, on a page that never scrolls sideways): the
 * first few innermost culprits named by tag, id, class and right edge, so a failure says where to look.
 */
export function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.evaluate(`document.documentElement.scrollWidth <= window.innerWidth ? [] :
    [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth)
      .filter((e, _, all) => !all.some((other) => other !== e && e.contains(other)))
      .slice(0, 5)
      .map((e) => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`) as Promise<
    string[]
  >;
}

/**
 * Presses Tab (Shift+Tab when `backwards`) until the focused element matches `selector`; fails when
 * `limit` presses do not reach it, so an element the keyboard cannot get to fails the test. Each element
 * the focus lands on must show it (see focusShown).
 */
export async function tabTo(page: Page, selector: string, limit = 60, backwards = false): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) {
      const shown = await focusShown(page);
      if (shown !== true) throw new Error(`${selector} has the focus but does not show it: ${shown}`);
      return;
    }
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${selector} was not reached in ${limit} presses of ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

/**
 * True when the focused element is one the keyboard reached (`:focus-visible`) and is drawn with an
 * outline or a box shadow; otherwise what is wrong, in words.
 */
export function focusShown(page: Page): Promise<true | string> {
  return page.evaluate(`(() => {
    const focused = document.activeElement;
    if (!focused || focused === document.body) return 'nothing has the focus';
    const name = focused.tagName + (focused.id ? '#' + focused.id : '');
    if (!focused.matches(':focus-visible')) return name + ' does not match :focus-visible';
    const style = getComputedStyle(focused);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outlined || style.boxShadow !== 'none' ? true : name + ' has neither an outline nor a box shadow';
  })()`) as Promise<true | string>;
}
