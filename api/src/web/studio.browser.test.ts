/**
 * The creator studio and the admin pages in a real browser (Debian's chromium through playwright-core),
 * end to end on a gateway with the media node in-process and CHANNEL_CREATION=verified: a new streamer
 * signs up, verifies the address from the email a real SMTP server received, opens a channel in the
 * studio, creates a stream key and copies it with the copy button, pushes real RTMP with ffmpeg using
 * what the clipboard holds, and watches the ingest health (resolution, fps, bitrate, keyframe interval);
 * drops a real video file on the tus uploader, sees the progress and the video processed, and edits it;
 * an admin ends the broadcast from the live channels (the studio sees it offline), then suspends the
 * streamer and lifts it; the broadcast's recording is listed in the studio and linked from the channel
 * page. Then the sessions list of the settings page, and axe-core on every studio, admin and settings
 * page (those of payments, analytics, restreaming and notifications too) at 375 px and 1280 px in both
 * themes, with screenshots.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromMail, startTestSmtpServer, type TestSmtpServer } from '../testing/smtp-test-server.ts';
import {
  CHROMIUM,
  hasChromium,
  type LiveGateway,
  postJson,
  recordingReadyInStudio,
  saveScreenshot,
  seriousViolations,
  startLiveGateway,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const ADMIN = { email: 'ops@example.test', username: 'ops' };
const STREAMER = { email: 'newcaster@example.test', username: 'newcaster' };
const SLUG = 'newcaster-live';

// As the streamer reads them.
const WORKSPACE_PAGES = [
  '/studio',
  '/studio/stream',
  '/studio/videos',
  '/studio/moderation',
  '/settings',
  // The pages added with payments, analytics, restreaming, notifications and clips.
  '/studio/analytics',
  '/studio/clips',
  '/studio/restream',
  '/studio/earnings',
  '/settings/notifications',
];
// As an admin reads them (anyone else sees a notice and none of the tables' controls).
const ADMIN_PAGES = ['/admin', '/admin/live', '/admin/instance'];

describe.skipIf(!hasChromium)(
  `the creator studio and admin in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 300_000 },
  () => {
    let smtp: TestSmtpServer;
    let server: LiveGateway;
    let browser: Browser;
    let base: string;
    let clip: string;

    beforeAll(async () => {
      smtp = await startTestSmtpServer();
      // No provisioned streamer: the first account is the instance's admin, everyone else signs up.
      server = await startLiveGateway([], { SMTP_URL: smtp.url, CHANNEL_CREATION: 'verified' });
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      const registered = await fetch(`${base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...ADMIN, password: PASSWORD }),
      });
      expect(registered.status).toBe(201);
      // A real two-second video to upload.
      clip = join(tmpdir(), `studio-clip-${crypto.randomUUID()}.mp4`);
      await promisify(execFile)('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=25',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=330:sample_rate=48000',
        '-t',
        '2',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-y',
        clip,
      ]);
    });
    afterAll(async () => {
      killPublishers();
      await browser?.close();
      await server?.gateway.close();
      await smtp?.close();
      if (clip) await rm(clip, { force: true });
    });

    async function signIn(page: Page, email: string, next: string) {
      await page.goto(`${base}${next}`);
      await page.waitForURL(`${base}/sign-in?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}${next}`);
    }

    const text = (page: Page, selector: string) => page.locator(selector).textContent();

    it('takes a new streamer from sign-up to live with ingest health, an uploaded and edited video, and an admin’s suspension', async () => {
      const streamer = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      const { page } = streamer;
      await streamer.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });

      // Sign up and verify the address: with CHANNEL_CREATION=verified that is what lets them stream.
      await page.goto(`${base}/sign-up`);
      await page.getByLabel('Email').fill(STREAMER.email);
      await page.getByLabel('Username').fill(STREAMER.username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create the account' }).click();
      await page.getByRole('status').filter({ hasText: 'Your account is ready' }).waitFor();
      await page.goto(await linkFromMail(smtp, STREAMER.email, '/verify-email'));
      await page.getByRole('button', { name: 'Verify my address' }).click();
      await page.getByRole('status').filter({ hasText: 'verified' }).waitFor();

      // The studio sends a signed-out reader to sign in and back, then offers to open the channel.
      await signIn(page, STREAMER.email, '/studio');
      const opening = page.locator('#channel-create');
      await opening.getByLabel('Address').fill(SLUG);
      await opening.getByLabel('Title').fill('Newcaster <live>');
      await opening.getByLabel('Category').selectOption('software');
      await opening.getByRole('button', { name: 'Open the channel' }).click();
      await page.getByRole('status').filter({ hasText: 'Your channel is open' }).waitFor();
      await page.getByLabel('Record each broadcast as a video').check();
      // LL-HLS is the channel's choice inside the instance's (LIVE_LL_HLS defaults to optional): stored
      // through the API and shown again after a reload; then back to the instance's default.
      const lowLatency = page.getByLabel('Low-Latency HLS');
      expect(await lowLatency.inputValue()).toBe('');
      await lowLatency.selectOption({ label: 'On' });
      await page.getByRole('button', { name: 'Save the settings' }).click();
      await page.getByRole('status').filter({ hasText: 'settings are saved' }).waitFor();
      await page.reload();
      await expect.poll(() => lowLatency.inputValue()).toBe('on');
      expect(await page.getByLabel('Record each broadcast as a video').isChecked()).toBe(true);
      await lowLatency.selectOption({ label: 'Instance default (off)' });
      await page.getByRole('button', { name: 'Save the settings' }).click();
      await page.getByRole('status').filter({ hasText: 'settings are saved' }).waitFor();

      // Stream: the key, created and copied with the button, is what the encoder is given.
      await page.getByRole('link', { name: 'Stream', exact: true }).click();
      await page.waitForURL(`${base}/studio/stream`);
      expect(await page.getByLabel('Server').inputValue()).toBe(`rtmp://127.0.0.1:${server.rtmpPort}/live`);
      await page.getByRole('button', { name: 'Create a key' }).click();
      await page.getByRole('status').filter({ hasText: 'shown only once' }).waitFor();
      await page.getByRole('button', { name: 'Copy the key' }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      const copiedKey = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(copiedKey).toMatch(/^sk_live_/);
      expect(await page.locator('li[data-step="key"]').getAttribute('data-done')).toBe('true');
      await page.getByRole('button', { name: 'Copy the server' }).click();
      const copiedServer = (await page.evaluate('navigator.clipboard.readText()')) as string;

      startPublisher(`${copiedServer}/${copiedKey}`, 120, '640x360');
      await page.locator('#health:not([hidden])').waitFor({ timeout: 30_000 });
      await expect.poll(() => text(page, '#health-resolution'), { timeout: 30_000 }).toBe('640 × 360');
      await expect.poll(() => text(page, '#health-keyframes'), { timeout: 30_000 }).toBe('1.0 s');
      expect(await text(page, '#health-fps')).toBe('30 fps');
      expect(await text(page, '#health-bitrate')).toMatch(/^[\d,]+ kbit\/s$/);
      expect(await text(page, '#health-codecs')).toBe('h264 + aac');
      expect(await page.locator('li[data-step="live"]').getAttribute('data-done')).toBe('true');

      // Videos: a real file dropped on the zone goes up over tus, is processed, then edited.
      await page.getByRole('link', { name: 'Videos', exact: true }).click();
      await page.waitForURL(`${base}/studio/videos`);
      const bytes = (await readFile(clip)).toString('base64');
      // What a file dragged from the desktop carries (evaluated in the page, which has the DOM types).
      const dropped = await page.evaluateHandle(`(() => {
        const data = Uint8Array.from(atob('${bytes}'), (char) => char.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], 'first-upload.mp4', { type: 'video/mp4' }));
        return transfer;
      })()`);
      await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dropped });
      expect(await page.locator('#upload-form').getByLabel('Title').inputValue()).toBe('first-upload');
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Uploaded' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('#upload-bar').evaluate((bar: { value: number }) => bar.value)).toBe(100);
      const row = page.locator('#my-videos tr').filter({ hasText: 'first-upload' });
      await expect.poll(() => row.locator('td').nth(2).textContent(), { timeout: 60_000 }).toBe('Ready');
      await row.getByRole('button', { name: 'Edit first-upload' }).click();
      const editor = page.locator('#video-edit-form');
      await editor.getByLabel('Title').fill('My first <upload>');
      await editor.getByLabel('Description').fill('Edited in the studio.');
      await editor.getByLabel('Visibility').selectOption('unlisted');
      await editor.getByRole('button', { name: 'Save the video' }).click();
      await page.getByRole('status').filter({ hasText: 'video is saved' }).waitFor();
      const edited = page.locator('#my-videos tr').filter({ hasText: 'My first <upload>' });
      expect(await edited.locator('td').nth(3).textContent()).toBe('Unlisted');

      // Back on the stream page, still live; an admin ends the broadcast from the live channels.
      await page.getByRole('link', { name: 'Stream', exact: true }).click();
      await page.locator('#health:not([hidden])').waitFor({ timeout: 15_000 });
      const admin = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await signIn(admin.page, ADMIN.email, '/admin');
      await admin.page.getByRole('link', { name: 'Live channels' }).click();
      await admin.page.waitForURL(`${base}/admin/live`);
      await admin.page.getByRole('button', { name: 'End the broadcast of Newcaster <live>' }).click();
      await admin.page.getByRole('status').filter({ hasText: 'The broadcast is ended' }).waitFor();
      const channelLive = async () =>
        PublicChannelSchema.parse(await (await fetch(`${base}/api/v1/channels/${SLUG}`)).json()).live;
      await expect.poll(channelLive, { timeout: 15_000 }).toBe(false);
      // The studio sees it: offline again.
      await expect.poll(() => text(page, '#health-state'), { timeout: 15_000 }).toMatch(/^Offline/);

      // The channel records its broadcasts: the recording is processed into a video that the studio
      // lists, and the channel page links it under the past broadcasts.
      await page.getByRole('link', { name: 'Videos', exact: true }).click();
      await page.waitForURL(`${base}/studio/videos`);
      const recording = await recordingReadyInStudio(page, 120_000);
      const recordingPath = await recording.locator('a').getAttribute('href');
      expect(recordingPath).toMatch(/^\/v\//);
      await page.goto(`${base}/c/${SLUG}`);
      expect(await page.getByRole('link', { name: 'Watch the recording' }).first().getAttribute('href')).toBe(
        recordingPath,
      );

      // Then the admin suspends the streamer, and lifts it.
      await admin.page.goto(`${base}/admin?q=${STREAMER.username}`);
      await admin.page.getByRole('button', { name: `Suspend @${STREAMER.username}` }).click();
      await admin.page.getByRole('status').filter({ hasText: 'is suspended' }).waitFor();
      expect(await admin.page.locator('#users tr').first().locator('td').nth(2).textContent()).toBe(
        'Suspended',
      );
      await admin.page.getByRole('button', { name: `Lift the suspension of @${STREAMER.username}` }).click();
      await admin.page.getByRole('status').filter({ hasText: 'may sign in again' }).waitFor();

      expect(streamer.elsewhere).toEqual([]);
      expect(admin.elsewhere).toEqual([]);
      await admin.context.close();
      await streamer.context.close();
    });

    it('pauses an upload and, after a reload, resumes it from what the server holds', async () => {
      // A bigger file, sent through a throttled uplink so that it can be paused half-way.
      const big = join(tmpdir(), `studio-big-${crypto.randomUUID()}.mp4`);
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
        ...['-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '3M', '-pix_fmt', 'yuv420p'],
        ...['-y', big],
      ]);
      try {
        const { context, page } = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
        const network = await context.newCDPSession(page);
        const throttle = (bytesPerSecond: number) =>
          network.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: 0,
            downloadThroughput: -1,
            uploadThroughput: bytesPerSecond,
          });
        await signIn(page, ADMIN.email, '/studio/videos');
        await throttle(256 * 1024);
        // The keyboard's way in: the zone's file input.
        await page.getByLabel('Drop a video file here, or choose one').setInputFiles(big);
        await page.getByRole('button', { name: 'Upload', exact: true }).click();
        const progress = () => page.locator('#upload-bar').evaluate((bar: { value: number }) => bar.value);
        await expect.poll(progress, { timeout: 30_000 }).toBeGreaterThanOrEqual(15);
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.getByRole('status').filter({ hasText: 'Paused' }).waitFor();
        const pausedAt = await progress();
        expect(pausedAt).toBeLessThan(100);

        // Another visit: the same file again goes on from the server's offset, not from 0.
        await page.reload();
        await throttle(-1);
        const offsets: number[] = [];
        page.on('request', (request) => {
          if (request.method() === 'PATCH') offsets.push(Number(request.headers()['upload-offset']));
        });
        await page.getByLabel('Drop a video file here, or choose one').setInputFiles(big);
        await page.getByRole('button', { name: 'Upload', exact: true }).click();
        await page.getByRole('status').filter({ hasText: 'Uploaded' }).waitFor({ timeout: 30_000 });
        expect(offsets[0]).toBeGreaterThan(0);
        const row = page.locator('#my-videos tr').filter({ hasText: 'studio-big' });
        await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
        await context.close();
      } finally {
        await rm(big, { force: true });
      }
    });

    it('lists the sessions in the settings, ends one, and signs out everywhere else', async () => {
      const desk = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      const phone = await watchedPage(browser, {
        viewport: { width: 375, height: 740 },
        userAgent: 'StreamHub phone browser',
      });
      const laptop = await watchedPage(browser, {
        viewport: { width: 1280, height: 900 },
        userAgent: 'StreamHub laptop browser',
      });
      await signIn(phone.page, ADMIN.email, '/settings');
      await signIn(laptop.page, ADMIN.email, '/settings');
      await signIn(desk.page, ADMIN.email, '/settings');
      const sessions = desk.page.locator('#sessions li');
      await expect.poll(() => sessions.count()).toBeGreaterThanOrEqual(3);
      expect(await sessions.first().textContent()).toMatch(/^This session: /);

      await desk.page
        .getByRole('button', { name: 'Sign out the session of StreamHub phone browser' })
        .click();
      await desk.page.getByRole('status').filter({ hasText: 'That session is signed out' }).waitFor();
      await phone.page.reload();
      await phone.page.waitForURL(/\/sign-in/);

      await desk.page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await desk.page.getByRole('status').filter({ hasText: 'Every other session is signed out' }).waitFor();
      await expect.poll(() => sessions.count()).toBe(1);
      await laptop.page.reload();
      await laptop.page.waitForURL(/\/sign-in/);
      for (const watched of [desk, phone, laptop]) await watched.context.close();
    });

    it('passes axe-core on every studio, admin and settings page at 375 and 1280 px, light and dark, without sideways scrolling', async () => {
      // Live again, so the admin's live channels list a row with its button (until killed at the end).
      const { accessToken } = TokenPairSchema.parse(
        await postJson(base, '/api/v1/auth/login', { email: STREAMER.email, password: PASSWORD }),
      );
      const key = CreatedStreamKeySchema.parse(
        await postJson(base, `/api/v1/channels/${SLUG}/keys`, { name: 'Axe' }, accessToken),
      );
      startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, 900, '640x360');
      await expect
        .poll(
          async () =>
            PublicChannelSchema.parse(await (await fetch(`${base}/api/v1/channels/${SLUG}`)).json()).live,
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);

      const found: string[] = [];
      const readers = [
        [STREAMER.email, WORKSPACE_PAGES],
        [ADMIN.email, ADMIN_PAGES],
      ] as const;
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          for (const [email, paths] of readers) {
            const { context, page } = await watchedPage(browser, {
              viewport: { width, height: width < 600 ? 740 : 900 },
              colorScheme,
            });
            await signIn(page, email, paths[0] ?? '/studio');
            for (const path of paths) {
              await page.goto(`${base}${path}`);
              await page.waitForLoadState('networkidle');
              if (path === '/admin') {
                await page.locator('#users tr').first().waitFor();
                // Two accounts, one page: nothing more to show (a display rule once beat [hidden] here).
                expect(await page.locator('#users-more').isHidden()).toBe(true);
              }
              if (path === '/admin/live') await page.locator('button[data-cut]').first().waitFor();
              // The clips island shows its frame once it has read the channel's clips.
              if (path === '/studio/clips') await page.locator('#clips-page').waitFor();
              // What sticks out past the viewport (none: the page never scrolls sideways), named.
              expect(
                await page.evaluate(`document.documentElement.scrollWidth <= window.innerWidth ? [] :
                [...document.querySelectorAll('main *')]
                  .filter((e) => e.getBoundingClientRect().right > window.innerWidth)
                  .slice(0, 5)
                  .map((e) => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`),
                `${path} at ${width}`,
              ).toEqual([]);
              for (const violation of await seriousViolations(page)) {
                found.push(`${path} ${width}px ${colorScheme}: ${violation}`);
              }
              const name = path.slice(1).replaceAll('/', '-');
              await saveScreenshot(page, `${name}-${width}-${colorScheme}`);
            }
            await context.close();
          }
        }
      }
      killPublishers();
      expect(found).toEqual([]);
      // Thirteen pages in four contexts each, and two sign-ins per context: longer than the file's default.
    }, 600_000);

    it('works with the keyboard alone: the studio navigation and the copy button', async () => {
      const { context, page, requests } = await watchedPage(browser, {
        viewport: { width: 1280, height: 900 },
      });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      await signIn(page, STREAMER.email, '/studio/stream');
      // The header's account menu and the page's island share one GET /api/v1/me. Counted over the
      // reload alone: the signed-in page's own requests are over first (under load one came after 'load').
      const accountRequests = () => requests.filter((url) => url === `${base}/api/v1/me`).length;
      await page.waitForLoadState('networkidle');
      const before = accountRequests();
      await page.reload({ waitUntil: 'networkidle' });
      expect(accountRequests() - before).toBe(1);
      await page.locator('#obs-server').focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Copy the server');
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      await page.getByRole('link', { name: 'Moderation' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/studio/moderation`);
      expect(await page.getByRole('link', { name: 'Moderation' }).getAttribute('aria-current')).toBe('page');
      await context.close();
    });
  },
);
