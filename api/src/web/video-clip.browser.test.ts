/**
 * The video page's clip form in a real browser (Debian's chromium through playwright-core): the channel
 * owner, signed in, seeks a real processed upload to 4 s, clips 10 s from there with the form, follows
 * the answer's link once the clip is processed and the clip plays in the page's player (its playhead
 * moves). A signed-out viewer sees no form. client/video-clip.ts, docs/clips.md.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TokenPair, TokenPairSchema } from '@streamhub/contracts/auth';
import { VideoSchema } from '@streamhub/contracts/videos';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeUploadMetadata } from '../domains/videos/tus.ts';
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
const SLUG = 'clip-source';

describe.skipIf(!hasChromium)(
  `the video page's clip form in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 400_000 },
  () => {
    let server: LiveGateway;
    let browser: Browser;
    let base: string;
    let tokens: TokenPair;
    let videoId: string;

    const post = (path: string, body: unknown, token?: string) => postJson(base, path, body, token);
    const videoStatus = (id: string) => videoStatusOf(base, id);
    const playhead = (page: Page) =>
      page.locator('#player').evaluate((element: { currentTime: number }) => element.currentTime);

    beforeAll(async () => {
      server = await startLiveGateway([
        { email: 'owner@example.test', username: 'owner', password: PASSWORD },
      ]);
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      tokens = TokenPairSchema.parse(
        await post('/api/v1/auth/login', { email: 'owner@example.test', password: PASSWORD }),
      );
      await post(
        '/api/v1/channels',
        { slug: SLUG, title: 'Clip source', category: 'software' },
        tokens.accessToken,
      );

      // A real 20-second upload of the channel, over tus, processed by the gateway's job.
      const dir = await mkdtemp(join(tmpdir(), 'video-clip-browser-'));
      const file = join(dir, 'source.mp4');
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '20'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', file],
      ]);
      const bytes = await readFile(file);
      await rm(dir, { recursive: true, force: true });
      const tus = { Authorization: `Bearer ${tokens.accessToken}`, 'Tus-Resumable': '1.0.0' };
      const created = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          ...tus,
          'Upload-Length': String(bytes.length),
          'Upload-Metadata': encodeUploadMetadata({ title: 'Clip source video' }),
        },
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const location = created.headers.get('location') ?? '';
      videoId = location.split('/').at(-1) ?? '';
      const sent = await fetch(`${base}${location}`, {
        method: 'PATCH',
        headers: { ...tus, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
        body: bytes,
      });
      expect(sent.status, await sent.clone().text()).toBe(204);
      // expect.poll works only inside a test.
      for (const deadline = Date.now() + 180_000; (await videoStatus(videoId)) !== 'ready'; ) {
        if (Date.now() > deadline)
          throw new Error(`the upload was not processed: ${await videoStatus(videoId)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
    });

    it('the owner clips 10 s from the playhead and the clip plays', async () => {
      const anonymous = await watchedPage(browser);
      await anonymous.page.goto(`${base}/v/${videoId}`);
      await anonymous.page.locator('#player').waitFor();
      expect(await anonymous.page.locator('#clip-form').isHidden()).toBe(true);
      await anonymous.context.close();

      const { page, context, problems } = await watchedPage(browser, {
        viewport: { width: 1280, height: 800 },
      });
      await signInPage(page, tokens);
      await page.goto(`${base}/v/${videoId}`);
      await page.locator('#clip-form:not([hidden])').waitFor({ timeout: 15_000 });
      // The page loads the player when the viewer starts the video: the button over the poster.
      await page.getByRole('button', { name: 'Play: Clip source video' }).click();
      // The playhead at 4 s, as a viewer seeking would leave it; paused, so that it is still there when the
      // form reads it (a playing video moves on while a loaded machine gets to the click).
      await expect
        .poll(
          () => page.locator('#player').evaluate((element: { readyState: number }) => element.readyState),
          {
            timeout: 30_000,
          },
        )
        .toBeGreaterThanOrEqual(1);
      await page.locator('#player').evaluate((element: { currentTime: number; pause(): void }) => {
        element.pause();
        element.currentTime = 4;
      });
      await expect.poll(() => playhead(page), { timeout: 10_000 }).toBeCloseTo(4, 0);
      await page.getByLabel('Length').selectOption('10');
      const sent = page.waitForRequest((request) => request.url().endsWith(`/api/v1/channels/${SLUG}/clips`));
      await page.getByRole('button', { name: 'Clip from here' }).click();
      // The form's request: this video, from the playhead, as long as chosen.
      const body = (await sent).postDataJSON() as {
        seconds: number;
        from: { videoId: string; startSeconds: number };
      };
      expect(body).toMatchObject({ seconds: 10, from: { videoId } });
      expect(body.from.startSeconds).toBeCloseTo(4, 0);
      const link = page.getByRole('link', { name: 'Watch the clip' });
      await link.waitFor({ timeout: 60_000 });
      expect(await page.locator('#clip-error').textContent()).toBe('');
      const href = (await link.getAttribute('href')) ?? '';
      const clipId = href.match(/\/v\/([0-9a-f-]{36})$/)?.[1] ?? '';
      expect(clipId, href).not.toBe('');

      // The clip is a video of the channel.
      const clips = await fetch(`${base}/api/v1/videos/${clipId}`);
      expect(VideoSchema.parse(await clips.json())).toMatchObject({ channel: { slug: SLUG } });

      // Processed like any video, then it plays in the page the link opens.
      await expect.poll(() => videoStatus(clipId), { timeout: 180_000, interval: 500 }).toBe('ready');
      const clip = VideoSchema.parse(await (await fetch(`${base}/api/v1/videos/${clipId}`)).json());
      expect(clip.durationMs).toBeGreaterThanOrEqual(9_500);
      expect(clip.durationMs).toBeLessThanOrEqual(14_500);
      await link.click();
      await page.waitForURL(`${base}/v/${clipId}`);
      await page.locator('#player').evaluate((element: { muted: boolean; play(): Promise<void> }) => {
        element.muted = true;
        return element.play();
      });
      await expect.poll(() => playhead(page), { timeout: 30_000, interval: 250 }).toBeGreaterThan(1);
      expect(problems).toEqual([]);
      await context.close();
    });
  },
);
