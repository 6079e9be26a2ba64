/**
 * A real playback produces a counted view: a video uploaded over tus and processed by the in-process job
 * with real ffmpeg, watched on its page in Debian's chromium (hls.js), whose beacons reach the gateway;
 * the gateway's own timers roll up and count, the owner's report and dashboard show the view, its watch
 * time and its startup time, and the video's viewCount is 1. Watched again through a throttled segment,
 * the stall is counted as rebuffering and the refresh is not a second counted view.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ReportSchema } from '@streamhub/contracts/analytics';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { VideoSchema } from '@streamhub/contracts/videos';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, type PageGateway, startPageGateway } from '../../web/browser-test-kit.ts';
import { encodeUploadMetadata } from '../videos/tus.ts';

const PASSWORD = 'a long test password';
const TUS = { 'Tus-Resumable': '1.0.0' };

/** Polls `read` until `done` holds or the deadline passes; returns the last value. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(!hasChromium)(
  `analytics of a real playback in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 240_000 },
  () => {
    let server: PageGateway | undefined;
    let browser: Browser | undefined;
    const clip = join(tmpdir(), `analytics-clip-${crypto.randomUUID()}.mp4`);
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
      await rm(clip, { force: true });
    });

    it('counts one view with its watch time and startup time, shows it on the dashboard, and counts a stall', async () => {
      server = await startPageGateway();
      const { base } = server;
      const json = { 'Content-Type': 'application/json' };
      const registered = await fetch(`${base}/api/v1/auth/register`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email: 'owner@example.test', username: 'owner', password: PASSWORD }),
      });
      expect(registered.status).toBe(201);
      const { accessToken } = TokenPairSchema.parse(
        await (
          await fetch(`${base}/api/v1/auth/login`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ email: 'owner@example.test', password: PASSWORD }),
          })
        ).json(),
      );
      const auth = { Authorization: `Bearer ${accessToken}` };
      // The first account is the instance's admin, who may open a channel: its videos are the channel's.
      const channel = await fetch(`${base}/api/v1/channels`, {
        method: 'POST',
        headers: { ...json, ...auth },
        body: JSON.stringify({ slug: 'counted', title: 'Counted' }),
      });
      expect(channel.status, await channel.clone().text()).toBe(201);

      // A real 12-second video, uploaded over tus and processed by the gateway's own job.
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '12'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', clip],
      ]);
      const bytes = await readFile(clip);
      const created = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          ...TUS,
          ...auth,
          'Upload-Length': String(bytes.length),
          'Upload-Metadata': encodeUploadMetadata({ title: 'Counted' }),
        },
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const location = created.headers.get('location') ?? '';
      const videoId = location.split('/').at(-1) ?? '';
      const sent = await fetch(`${base}${location}`, {
        method: 'PATCH',
        headers: { ...TUS, ...auth, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
        body: bytes,
      });
      expect(sent.status, await sent.clone().text()).toBe(204);
      const readVideo = async () =>
        VideoSchema.parse(await (await fetch(`${base}/api/v1/videos/${videoId}`, { headers: auth })).json());
      const ready = await until(
        readVideo,
        (video) => video.status === 'ready' || video.status === 'failed',
        120_000,
      );
      expect(ready.status, ready.failureReason ?? '').toBe('ready');
      expect(ready.viewCount).toBe(0);

      // Watched in a real browser for more than the counted-view threshold, then the page goes away.
      // As a viewer's click would: the page starts playback itself, with sound.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--autoplay-policy=no-user-gesture-required'],
      });
      const page = await browser.newPage();
      await page.goto(`${base}/v/${videoId}`);
      const playhead = () =>
        page.locator('video').evaluate((video: { currentTime: number }) => video.currentTime);
      expect(await until(playhead, (seconds) => seconds >= 7, 60_000)).toBeGreaterThanOrEqual(7);
      expect(await page.locator('video').getAttribute('data-view-id')).toMatch(/^[0-9a-f-]{36}$/);
      await page.close({ runBeforeUnload: true });

      const range = new URLSearchParams({
        from: new Date(Date.now() - 3600_000).toISOString(),
        to: new Date(Date.now() + 3600_000).toISOString(),
        bucket: 'hour',
      });
      const readReport = async () =>
        ReportSchema.parse(
          await (
            await fetch(`${base}/api/v1/analytics/videos/${videoId}/report?${range}`, { headers: auth })
          ).json(),
        );
      // The gateway writes beacons every second and counts every 5 s; the last beacon follows the close.
      const report = await until(
        readReport,
        (r) => r.totals.countedViews === 1 && r.totals.watchTimeMs >= 6500,
        30_000,
      );
      expect(report.totals).toMatchObject({ views: 1, countedViews: 1, uniqueViewers: 1, failedViews: 0 });
      // Played from the start to at least 7 s of a 12-second video, at normal speed; watch time is the
      // media time between the player's time updates (about every 250 ms), so up to one update is missed.
      expect(report.totals.watchTimeMs).toBeGreaterThanOrEqual(6500);
      expect(report.totals.watchTimeMs).toBeLessThanOrEqual(12_500);
      expect(report.totals.startupP50Ms).toBeGreaterThan(0);
      expect(report.totals.startupP50Ms).toBeLessThan(30_000);
      expect(report.retention?.find((point) => point.pct === 50)?.share).toBe(1);
      expect((await readVideo()).viewCount).toBe(1);

      // The creator dashboard shows the same figures and draws its charts with uPlot.
      const studio = await browser.newPage();
      await studio.goto(`${base}/studio/analytics`);
      await studio.waitForURL(/\/sign-in/);
      await studio.getByLabel('Email').fill('owner@example.test');
      await studio.getByLabel('Password').fill(PASSWORD);
      await studio.getByRole('button', { name: 'Sign in', exact: true }).click();
      await studio.waitForURL(`${base}/studio/analytics`);
      await studio.locator('#figure-countedViews').filter({ hasText: '1' }).waitFor({ timeout: 15_000 });
      expect(await studio.locator('#figure-views').textContent()).toBe('1');
      expect(await studio.locator('#figure-startupP50').textContent()).toBe(
        `${report.totals.startupP50Ms} ms`,
      );
      await studio.locator('#chart-views canvas').waitFor();
      await studio.locator('#chart-watch canvas').waitFor();
      await studio.locator('#chart-retention canvas').waitFor();
      expect(await studio.locator('#top-videos a').textContent()).toBe('Counted');
      expect(await studio.locator('a[href="/studio/analytics"]').getAttribute('aria-current')).toBe('page');

      // The same viewer again, with the second segment held back 6 s (a throttled segment server): the
      // player stalls after its first frame, and the stall is counted. Within 30 minutes of the first
      // view, this view is not counted again.
      const throttled = await browser.newPage();
      await throttled.route(/-00001\.ts$/, async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 6000));
        await route.continue();
      });
      await throttled.goto(`${base}/v/${videoId}`);
      const throttledPlayhead = () =>
        throttled.locator('video').evaluate((video: { currentTime: number }) => video.currentTime);
      expect(await until(throttledPlayhead, (seconds) => seconds >= 7, 60_000)).toBeGreaterThanOrEqual(7);
      await throttled.close({ runBeforeUnload: true });
      const stalled = await until(
        readReport,
        (r) => r.totals.views === 2 && r.totals.rebufferCount >= 1,
        30_000,
      );
      expect(stalled.totals).toMatchObject({ views: 2, countedViews: 1, uniqueViewers: 1 });
      expect(stalled.totals.rebufferCount).toBe(1);
      expect(stalled.totals.rebufferPct).toBeGreaterThan(0);
      expect((await readVideo()).viewCount).toBe(1);
    });
  },
);
