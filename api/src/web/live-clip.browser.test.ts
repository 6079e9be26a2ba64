/**
 * The live channel page's clip form in a real browser (Debian's chromium through playwright-core), on a
 * real broadcast (ffmpeg pushing RTMP to the in-process media node, 1 s segments): a signed-out viewer
 * sees no form; a signed-in viewer the channel does not let clip gets the API's refusal in the form; the
 * owner picks 10 s, clicks "Clip", the request carries no `from` (the live window, docs/clips.md), and
 * the answer's "Watch the clip" link leads to a video of the channel that becomes ready and lasts about
 * 10 s. client/video-clip.ts (startClipForm('live')).
 */
import { type TokenPair, TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { VideoSchema } from '@streamhub/contracts/videos';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  type LiveGateway,
  postJson,
  signInPage,
  startLiveGateway,
  videoStatusOf,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const SLUG = 'live-clip';

describe.skipIf(!hasChromium)(
  `the live channel page's clip form in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 180_000 },
  () => {
    let server: LiveGateway;
    let browser: Browser;
    let base: string;
    let owner: TokenPair;
    let viewer: TokenPair;

    const post = (path: string, body: unknown, token?: string) => postJson(base, path, body, token);
    const login = async (email: string) =>
      TokenPairSchema.parse(await post('/api/v1/auth/login', { email, password: PASSWORD }));
    const videoStatus = (id: string) => videoStatusOf(base, id);

    beforeAll(async () => {
      // A DVR window, as a channel to clip from has: without one the playlist keeps only a few segments.
      server = await startLiveGateway(
        [{ email: 'caster@example.test', username: 'caster', password: PASSWORD }],
        { LIVE_DVR_SECONDS: '120' },
      );
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      owner = await login('caster@example.test');
      await post('/api/v1/auth/register', { email: 'fan@example.test', username: 'fan', password: PASSWORD });
      viewer = await login('fan@example.test');
      await post(
        '/api/v1/channels',
        { slug: SLUG, title: 'Live clips', category: 'software' },
        owner.accessToken,
      );
      const key = CreatedStreamKeySchema.parse(
        await post(`/api/v1/channels/${SLUG}/keys`, { name: 'OBS' }, owner.accessToken),
      );
      // Long enough for the whole test; stopped in afterAll.
      startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, 150, '640x360');
    }, 60_000);
    afterAll(async () => {
      killPublishers();
      await browser?.close();
      await server?.gateway.close();
    });

    it('the owner clips the last 10 s of the broadcast; a viewer not allowed sees the refusal', async () => {
      // Signed out: the live page has no form.
      const anonymous = await watchedPage(browser);
      await anonymous.page.goto(`${base}/c/${SLUG}`);
      await anonymous.page.locator('#player').waitFor();
      expect(await anonymous.page.locator('#clip-form').isHidden()).toBe(true);
      await anonymous.context.close();

      // A viewer, on a channel that lets only its owner clip: the API's problem detail, no link.
      const fan = await watchedPage(browser);
      await signInPage(fan.page, viewer);
      await fan.page.goto(`${base}/c/${SLUG}`);
      await fan.page.locator('#clip-form:not([hidden])').waitFor({ timeout: 15_000 });
      await fan.page.getByRole('button', { name: 'Clip', exact: true }).click();
      await expect
        .poll(() => fan.page.locator('#clip-error').textContent(), { timeout: 15_000 })
        .toContain('only its owner');
      expect(await fan.page.locator('#clip-link').isHidden()).toBe(true);
      await fan.context.close();

      const { page, context, problems } = await watchedPage(browser, {
        viewport: { width: 1280, height: 800 },
      });
      await signInPage(page, owner);
      await page.goto(`${base}/c/${SLUG}`);
      await page.waitForSelector('#live-status[data-live="true"]', { timeout: 30_000 });
      await page.locator('#clip-form:not([hidden])').waitFor({ timeout: 15_000 });
      // The live window holds 10 s once the player has been playing for a while: wait for the playhead.
      await expect
        .poll(
          () => page.locator('#player').evaluate((element: { currentTime: number }) => element.currentTime),
          {
            timeout: 60_000,
            interval: 250,
          },
        )
        .toBeGreaterThan(1);
      await new Promise((resolve) => setTimeout(resolve, 10_000));

      await page.getByLabel('Length').selectOption('10');
      const sent = page.waitForRequest((request) => request.url().endsWith(`/api/v1/channels/${SLUG}/clips`));
      await page.getByRole('button', { name: 'Clip', exact: true }).click();
      // The live form's request: the length only, no `from`.
      expect((await sent).postDataJSON()).toEqual({ seconds: 10 });
      const link = page.getByRole('link', { name: 'Watch the clip' });
      await link.waitFor({ timeout: 30_000 });
      expect(await page.locator('#clip-error').textContent()).toBe('');
      const href = (await link.getAttribute('href')) ?? '';
      const clipId = href.match(/\/v\/([0-9a-f-]{36})$/)?.[1] ?? '';
      expect(clipId, href).not.toBe('');

      // A video of the channel, processed like any other, about as long as asked (whole 1 s segments).
      await expect.poll(() => videoStatus(clipId), { timeout: 90_000, interval: 500 }).toBe('ready');
      const clip = VideoSchema.parse(await (await fetch(`${base}/api/v1/videos/${clipId}`)).json());
      expect(clip.channel?.slug).toBe(SLUG);
      expect(clip.durationMs).toBeGreaterThanOrEqual(9_000);
      expect(clip.durationMs).toBeLessThanOrEqual(12_500);
      // Playlist 404s before the first segment are expected console errors on a live page; no CSP
      // violation or script error.
      expect(problems.filter((problem) => /CSP violation|TypeError|ReferenceError/.test(problem))).toEqual(
        [],
      );
      await context.close();
    });
  },
);
