/**
 * The whole journey of issue 20 in one test, in a real browser (Debian's chromium through
 * playwright-core) against a gateway with the media node in-process and CHANNEL_CREATION=verified:
 * a newcomer signs up in the page, verifies the address from the email a real SMTP server received
 * (which, on this instance, is what lets them stream), opens a channel in the studio, copies a new key
 * from the page and pushes real RTMP with ffmpeg using it; the channel shows in the home page's
 * "live now"; a second browser context opens it, chats and is counted (the first context's count and
 * chat show it); the broadcast ends because the publisher stops (no admin involved); its recording
 * appears in the studio; a video is uploaded with progress and its title edited.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { PublicChannelSchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromMail, startTestSmtpServer, type TestSmtpServer } from '../testing/smtp-test-server.ts';
import {
  CHROMIUM,
  hasChromium,
  type LiveGateway,
  postJson,
  recordingReadyInStudio,
  signInPage,
  startLiveGateway,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
// The instance's first account is its admin; registered first so the newcomer is an ordinary viewer.
const ADMIN = { email: 'first@example.test', username: 'first' };
const NEWCOMER = { email: 'newcomer@example.test', username: 'newcomer' };
const FRIEND = { email: 'friend@example.test', username: 'friend', displayName: 'A <friend>' };
const SLUG = 'newcomer-live';
const TITLE = 'Newcomer <live>';

describe.skipIf(!hasChromium)(
  `the whole journey in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 600_000 },
  () => {
    let smtp: TestSmtpServer;
    let server: LiveGateway;
    let browser: Browser;
    let base: string;
    let upload: string;

    beforeAll(async () => {
      smtp = await startTestSmtpServer();
      server = await startLiveGateway([], { SMTP_URL: smtp.url, CHANNEL_CREATION: 'verified' });
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      for (const account of [ADMIN, FRIEND]) {
        await postJson(base, '/api/v1/auth/register', { ...account, password: PASSWORD });
      }
      // A real two-second video for the uploader.
      upload = join(tmpdir(), `journey-upload-${crypto.randomUUID()}.mp4`);
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '2'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', upload],
      ]);
      // A gateway with its media node and chromium starting on a CI box busy with other suites.
    }, 180_000);
    afterAll(async () => {
      killPublishers();
      await browser?.close();
      await server?.gateway.close();
      await smtp?.close();
      if (upload) await rm(upload, { force: true });
    });

    it('signs up, verifies, streams, is watched and chatted with, ends, records, uploads and edits', async () => {
      const streamer = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      const { page } = streamer;
      await streamer.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });

      // Sign up from the header.
      await page.goto(`${base}/`);
      await page.getByRole('link', { name: 'Sign up' }).click();
      await page.waitForURL(`${base}/sign-up`);
      await page.getByLabel('Email').fill(NEWCOMER.email);
      await page.getByLabel('Username').fill(NEWCOMER.username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create the account' }).click();
      await page.getByRole('status').filter({ hasText: 'Your account is ready' }).waitFor();

      // The instance's policy: an unverified account may not open a channel (the friend never verified).
      const friendTokens = TokenPairSchema.parse(
        await postJson(base, '/api/v1/auth/login', { email: FRIEND.email, password: PASSWORD }),
      );
      const refused = await fetch(`${base}/api/v1/channels`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${friendTokens.accessToken}` },
        body: JSON.stringify({ slug: 'friend-live', title: 'Friend', category: 'software' }),
      });
      expect(refused.status).toBe(403);

      // Verify through the link of the real email.
      await page.goto(await linkFromMail(smtp, NEWCOMER.email, '/verify-email'));
      await page.getByRole('button', { name: 'Verify my address' }).click();
      await page.getByRole('status').filter({ hasText: 'verified' }).waitFor();

      // The studio sends the signed-out reader to sign in and back; verified, they may open a channel.
      await page.goto(`${base}/studio`);
      await page.waitForURL(`${base}/sign-in?next=${encodeURIComponent('/studio')}`);
      await page.getByLabel('Email').fill(NEWCOMER.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/studio`);
      const opening = page.locator('#channel-create');
      await opening.getByLabel('Address').fill(SLUG);
      await opening.getByLabel('Title').fill(TITLE);
      await opening.getByLabel('Category').selectOption('software');
      await opening.getByRole('button', { name: 'Open the channel' }).click();
      await page.getByRole('status').filter({ hasText: 'Your channel is open' }).waitFor();
      await page.getByLabel('Record each broadcast as a video').check();
      await page.getByRole('button', { name: 'Save the settings' }).click();
      await page.getByRole('status').filter({ hasText: 'settings are saved' }).waitFor();

      // A new key, copied from the page with its button, and the server beside it: what the encoder gets.
      await page.getByRole('link', { name: 'Stream', exact: true }).click();
      await page.waitForURL(`${base}/studio/stream`);
      await page.getByRole('button', { name: 'Create a key' }).click();
      await page.getByRole('status').filter({ hasText: 'shown only once' }).waitFor();
      await page.getByRole('button', { name: 'Copy the key' }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      const copiedKey = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(copiedKey).toMatch(/^sk_live_/);
      await page.getByRole('button', { name: 'Copy the server' }).click();
      const copiedServer = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(copiedServer).toBe(`rtmp://127.0.0.1:${server.rtmpPort}/live`);
      // Long enough to outlast the checks below; it is stopped by hand, as a streamer stops OBS.
      const publisher = startPublisher(`${copiedServer}/${copiedKey}`, 600, '640x360');

      // Home: the channel shows in "live now" (the media node marks it live within seconds).
      await page.getByRole('link', { name: 'Home' }).first().click();
      await page.waitForURL(`${base}/`);
      const card = page.locator(`#live-now a[href="/c/${SLUG}"]`);
      await expect
        .poll(
          async () => {
            await page.reload();
            return card.count();
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(1);
      await card.click();
      await page.waitForURL(`${base}/c/${SLUG}`);
      expect(await page.locator('#channel-title').textContent()).toBe(TITLE);
      const viewerCount = async () => Number(await page.locator('#viewer-count').textContent());
      await expect.poll(viewerCount, { timeout: 20_000 }).toBe(1);

      // A second browser context, signed in as the friend, opens the channel, chats and is counted.
      const friend = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await signInPage(friend.page, friendTokens);
      await friend.page.goto(`${base}/c/${SLUG}`);
      await expect.poll(viewerCount, { timeout: 20_000 }).toBe(2);
      await friend.page.locator('#chat-form:not([hidden])').waitFor({ timeout: 20_000 });
      const message = friend.page.getByLabel('Message', { exact: true });
      await message.fill('hello <b>streamer</b>');
      await message.press('Enter');
      const line = page.locator('#chat-messages li', { hasText: 'hello <b>streamer</b>' });
      await line.waitFor({ timeout: 20_000 });
      expect(await line.locator('.author').textContent()).toBe(FRIEND.displayName);

      // The streamer stops the encoder: the broadcast ends by itself, and both pages say so.
      publisher.child.kill('SIGINT');
      await publisher.exited;
      const channelLive = async () =>
        PublicChannelSchema.parse(await (await fetch(`${base}/api/v1/channels/${SLUG}`)).json()).live;
      await expect.poll(channelLive, { timeout: 60_000, interval: 500 }).toBe(false);
      for (const viewer of [page, friend.page]) {
        await expect
          .poll(() => viewer.locator('#live-status').getAttribute('data-live'), { timeout: 20_000 })
          .toBe('false');
      }

      // The recording is processed into a video in the studio's list, playable from its link.
      await page.goto(`${base}/studio/videos`);
      const recording = await recordingReadyInStudio(page, 180_000);
      expect(await recording.locator('a').getAttribute('href')).toMatch(/^\/v\//);

      // Upload with the zone's file input through a slow uplink (Chromium's network emulation), so the
      // progress bar is seen part-way; every value it takes is recorded. Then the video is processed.
      await page.getByLabel('Drop a video file here, or choose one').setInputFiles(upload);
      await page.locator('#upload-form').getByLabel('Title').fill('First upload');
      await page.evaluate(`(() => {
        const bar = document.getElementById('upload-bar');
        window.progressSeen = [];
        new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, {
          attributes: true,
          attributeFilter: ['value'],
        });
      })()`);
      const network = await streamer.context.newCDPSession(page);
      const uplink = (bytesPerSecond: number) =>
        network.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 0,
          downloadThroughput: -1,
          uploadThroughput: bytesPerSecond,
        });
      await uplink(32 * 1024);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Uploaded' }).waitFor({ timeout: 120_000 });
      await uplink(-1);
      const progressSeen = (await page.evaluate('window.progressSeen')) as number[];
      expect(
        progressSeen.some((percent) => percent > 0 && percent < 100),
        String(progressSeen),
      ).toBe(true);
      expect(progressSeen.at(-1)).toBe(100);
      const row = page.locator('#my-videos tr').filter({ hasText: 'First upload' });
      await expect.poll(() => row.locator('td').nth(2).textContent(), { timeout: 120_000 }).toBe('Ready');

      // Edited: the new title is what the list and the video's page show, as text.
      await row.getByRole('button', { name: 'Edit First upload' }).click();
      const editor = page.locator('#video-edit-form');
      await editor.getByLabel('Title').fill('My <first> upload');
      await editor.getByRole('button', { name: 'Save the video' }).click();
      await page.getByRole('status').filter({ hasText: 'video is saved' }).waitFor();
      const edited = page.locator('#my-videos tr').filter({ hasText: 'My <first> upload' });
      await edited.waitFor();
      const videoPath = await edited.locator('a').first().getAttribute('href');
      expect(videoPath).toMatch(/^\/v\//);
      await page.goto(`${base}${videoPath}`);
      expect(await page.locator('h1').first().textContent()).toBe('My <first> upload');

      for (const { elsewhere, problems } of [streamer, friend]) {
        expect(elsewhere).toEqual([]);
        // hls.js's 404s on a playlist not written yet are expected; nothing else (no CSP violation).
        expect(problems.filter((problem) => !/status of 404/.test(problem))).toEqual([]);
      }
      await friend.context.close();
      await streamer.context.close();
    });
  },
);
