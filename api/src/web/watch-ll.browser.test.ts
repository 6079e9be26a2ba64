/**
 * LL-HLS end to end: a gateway with the media node in-process and LIVE_LL_HLS on, real ffmpeg pushing
 * RTMP, hls.js in Debian's chromium in low-latency mode (its own `hls.latency`, parts on the timeline),
 * rewinding into the DVR window and back to live, and ffmpeg as a player that knows nothing of parts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, startLiveGateway } from './browser-test-kit.ts';

const run = promisify(execFile);
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

describe.skipIf(!hasChromium)(
  `LL-HLS on the channel page in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 240_000 },
  () => {
    it('plays parts in hls.js low-latency mode aiming under 2 s behind the edge, rewinds and returns to live', async () => {
      const { base, gateway, rtmpPort } = await startLiveGateway(
        [{ email: 'll@example.test', username: 'llcaster', password: PASSWORD }],
        { LIVE_LL_HLS: 'true', LIVE_DVR_SECONDS: '120' },
      );
      cleanups.push(() => gateway.close());
      const token = TokenPairSchema.parse(
        await call(base, '/api/v1/auth/login', { email: 'll@example.test', password: PASSWORD }),
      ).accessToken;
      await call(base, '/api/v1/channels', { slug: 'll-live', title: 'Low latency' }, token);
      const key = CreatedStreamKeySchema.parse(
        await call(base, '/api/v1/channels/ll-live/keys', { name: 'OBS' }, token),
      );

      const browser: Browser = await chromium.launch({ executablePath: CHROMIUM });
      cleanups.push(() => browser.close());
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`${base}/c/ll-live`);

      startPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${key.secret}`, 150, '640x360');
      await page.waitForSelector('#live-status[data-live="true"]', { timeout: 30_000 });

      const video = page.locator('video');
      const playhead = () => video.evaluate((element: { currentTime: number }) => element.currentTime);
      const data = (name: string) =>
        video.evaluate(
          (element: { dataset: Record<string, string | undefined> }, n) => element.dataset[n],
          name,
        );
      await expect.poll(playhead, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0.5);
      expect(await data('lowLatency')).toBe('true');

      // hls.js's own measure of how far behind the live edge it plays, once settled. It aims under 2 s
      // (from PART-HOLD-BACK; classic HLS with 1 s segments aims at 3 s and plays further behind). How
      // close it gets is a timing, measured on a quiet machine by bench/live (1.45 s glass to glass): here,
      // beside the rest of the suite, it only has to stay ahead of what classic HLS could do.
      const latency = async () => Number(await data('liveLatency'));
      await expect.poll(latency, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
      expect(Number(await data('targetLatency'))).toBeLessThan(2);
      await new Promise((r) => setTimeout(r, 6000));
      const samples: number[] = [];
      for (let i = 0; i < 8; i++) {
        samples.push(await latency());
        await new Promise((r) => setTimeout(r, 500));
      }
      const median = [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
      expect(median, `hls.latency samples ${samples.join(', ')}`).toBeLessThan(3);

      // The timeline: parts and blocking reloads, not only whole segments.
      expect(requests.some((u) => /\.p\d+\.m4s$/.test(u))).toBe(true);
      expect(requests.some((u) => /\.m3u8\?_HLS_msn=\d+&_HLS_part=\d+/.test(u))).toBe(true);
      expect(requests.some((u) => /-init-\d{6}\.mp4$/.test(u))).toBe(true);

      // DVR: six seconds back (inside what hls.js still holds), playback goes on from there and the page
      // offers the way back.
      const jump = page.locator('#jump-to-live');
      expect(await jump.isHidden()).toBe(true);
      const rewind = () =>
        video.evaluate((element: { currentTime: number }) => {
          element.currentTime -= 6;
        });
      await rewind();
      // hls.js's own distance to the edge says the playhead went back (it keeps playing from there). A
      // fatal error would have the page start hls.js again at the edge: its detail says why.
      const stopped = async () => `hls.js stopped: ${await data('playerError')}`;
      await expect
        .poll(latency, { timeout: 10_000, interval: 250 })
        .toBeGreaterThan(4.5)
        .catch(async (error: Error) => {
          throw new Error(`${error.message} (${await stopped()})`);
        });
      const rewound = await playhead();
      await expect.poll(playhead, { timeout: 10_000, interval: 250 }).toBeGreaterThan(rewound + 1);
      // Playing through what it buffered from parts: a hole there (as when ffmpeg wrote audio samples
      // without duration) stops hls.js with bufferSeekOverHole.
      expect(await data('playerError'), await stopped()).toBeUndefined();
      // Back to live, from a fresh rewind: while the playhead moved on above, hls.js may already have
      // drifted back toward the edge and the button hidden itself (it did once in CI, under load).
      await rewind();
      await jump.waitFor({ state: 'visible', timeout: 10_000 });
      await jump.click();
      await expect.poll(latency, { timeout: 10_000, interval: 250 }).toBeLessThan(3);
      await jump.waitFor({ state: 'hidden', timeout: 10_000 });

      // A player that knows no LL-HLS: ffmpeg reads whole segments from the same playlists and decodes them.
      const { stdout } = await run('ffprobe', [
        ...['-v', 'error', '-read_intervals', '%+3', '-count_frames', '-select_streams', 'v:0'],
        ...['-show_entries', 'stream=nb_read_frames,width', '-of', 'json'],
        `${base}/hls/${await playbackIdOf(base)}/master.m3u8`,
      ]);
      const stream = (JSON.parse(stdout) as { streams: { nb_read_frames: string; width: number }[] })
        .streams[0];
      expect(stream?.width).toBe(640);
      expect(Number(stream?.nb_read_frames)).toBeGreaterThan(30);
    });
  },
);

async function playbackIdOf(base: string): Promise<string> {
  const channel = (await (await fetch(`${base}/api/v1/channels/ll-live`)).json()) as {
    session?: { playbackUrl?: string };
  };
  const id = /\/hls\/([^/]+)\/master\.m3u8/.exec(channel.session?.playbackUrl ?? '')?.[1];
  if (!id) throw new Error('the live channel has no playback URL');
  return id;
}
