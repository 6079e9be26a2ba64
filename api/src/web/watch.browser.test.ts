/**
 * The channel page in a real browser: Debian's chromium driven by playwright-core, against a gateway on
 * the embedded defaults with the media node in-process (as `streamhub dev` runs it), real ffmpeg pushing
 * RTMP, hls.js playing the ladder through Media Source Extensions, and a second viewer chatting over /ws.
 */
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { connectWs, type TestWsClient } from '../testing/ws-client.ts';
import { CHROMIUM, hasChromium, startLiveGateway } from './browser-test-kit.ts';

const PASSWORD = 'a long test password';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killPublishers();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function call(base: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const login = async (base: string, email: string) =>
  TokenPairSchema.parse(await call(base, '/api/v1/auth/login', { email, password: PASSWORD })).accessToken;

const text = (page: Page, selector: string) => page.locator(selector).textContent();

describe.skipIf(!hasChromium)(
  `the channel page in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 240_000 },
  () => {
    it('plays a live channel, counts the viewer, shows chat and goes offline when the push stops', async () => {
      const { base, gateway, rtmpPort } = await startLiveGateway([
        { email: 'caster@example.test', username: 'caster', password: PASSWORD },
      ]);
      cleanups.push(() => gateway.close());

      const streamerToken = await login(base, 'caster@example.test');
      await call(base, '/api/v1/channels', { slug: 'browser-live', title: 'Browser <test>' }, streamerToken);
      const key = CreatedStreamKeySchema.parse(
        await call(base, '/api/v1/channels/browser-live/keys', { name: 'OBS' }, streamerToken),
      );

      // Another viewer, signed in, chatting from its own socket.
      await call(base, '/api/v1/auth/register', {
        email: 'chatter@example.test',
        username: 'chatter',
        password: PASSWORD,
      });
      const chatter: TestWsClient = await connectWs(base);
      cleanups.push(() => chatter.close());
      chatter.send({ type: 'auth', token: await login(base, 'chatter@example.test') });
      await chatter.next('authenticated');
      chatter.send({ type: 'join', channel: 'browser-live' });
      await chatter.next('joined');

      const browser: Browser = await chromium.launch({ executablePath: CHROMIUM });
      cleanups.push(() => browser.close());
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));

      // The first address of the page still leads to it.
      await page.goto(`${base}/watch/browser-live`);
      expect(page.url()).toBe(`${base}/c/browser-live`);
      expect(await text(page, '#channel-title')).toBe('Browser <test>');
      expect(await text(page, '#live-status')).toBe('Offline');
      // H.264 in MSE: Debian's chromium has the proprietary codecs, so hls.js can really play. (Expressions
      // as strings: this file is type-checked without the DOM library.)
      expect(await page.evaluate('MediaSource.isTypeSupported(\'video/mp4; codecs="avc1.64001f"\')')).toBe(
        true,
      );

      const publisher = startPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${key.secret}`, 120, '640x360');
      await page.waitForSelector('#live-status[data-live="true"]', { timeout: 30_000 });
      expect(await text(page, '#live-status')).toBe('Live');

      // Real playback: the playhead moves on, from a Media Source (hls.js), not from the browser's own HLS.
      const video = page.locator('video');
      const playhead = () => video.evaluate((element: { currentTime: number }) => element.currentTime);
      await expect.poll(playhead, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0.5);
      const first = await playhead();
      await expect.poll(playhead, { timeout: 20_000, interval: 250 }).toBeGreaterThan(first + 1);
      const source = () => video.evaluate((element: { src: string }) => element.src);
      expect(await source()).toMatch(/^blob:/);

      await expect
        .poll(async () => Number(await text(page, '#viewer-count')), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(1);

      const hostile = 'hello <b>from</b> the other side';
      chatter.send({ type: 'chat.send', channel: 'browser-live', body: hostile, nonce: 'n1' });
      await chatter.next('ack');
      const line = page.locator('#chat-messages li', { hasText: 'the other side' });
      await line.waitFor({ timeout: 10_000 });
      expect(await line.locator('.body').textContent()).toBe(hostile);
      expect(await line.locator('.author').textContent()).toBe('chatter');
      // Text, never markup.
      expect(await page.locator('#chat-messages b').count()).toBe(0);

      // The page's own viewer signs in (on the sign-in page, which brings it back) and posts; the other
      // viewer receives it.
      await page.click('#chat-sign-in a');
      await page.getByLabel('Email').fill('caster@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/c/browser-live`);
      await page.waitForSelector('#chat-form', { state: 'visible', timeout: 10_000 });
      expect(await page.isHidden('#chat-sign-in')).toBe(true);
      await page.fill('#chat-body', 'greetings from the page');
      await page.press('#chat-body', 'Enter');
      const posted = await chatter.next(
        'chat.message',
        (frame) => frame.message.body === 'greetings from the page',
      );
      expect(posted.message.author.username).toBe('caster');
      await page
        .locator('#chat-messages li', { hasText: 'greetings from the page' })
        .waitFor({ timeout: 10_000 });

      publisher.child.kill('SIGKILL');
      await publisher.exited;
      await page.waitForSelector('#live-status[data-live="false"]', { timeout: 30_000 });
      expect(await text(page, '#player-notice')).toBe('The channel is offline.');
      await expect.poll(source, { timeout: 5_000 }).toBe('');

      // No CSP violation, script error or failed asset along the way (a fatal hls.js error is retried,
      // but the 404s of a playlist not written yet show as console errors and are expected).
      expect(problems.filter((problem) => !/status of 404/.test(problem))).toEqual([]);
    });
  },
);
