/**
 * The web app in a real browser (Debian's chromium through playwright-core), end to end: a viewer signs
 * up, verifies the address from the email a real SMTP server received, signs in, finds a channel that
 * real ffmpeg pushes over RTMP in "live now", watches and chats on its page while a second, anonymous
 * viewer sees the message and the count, follows it, and stays signed in past the access token's
 * lifetime (the page renews it with the refresh flow). Then axe-core on every page (the video page of a
 * video uploaded over tus among them) at 375 px and 1280 px in the light and dark themes, with a
 * screenshot of each under test-artifacts/web/.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import { VideoSchema } from '@streamhub/contracts/videos';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { encodeUploadMetadata } from '../domains/videos/tus.ts';
import { linkFromMail, startTestSmtpServer, type TestSmtpServer } from '../testing/smtp-test-server.ts';
import {
  CHROMIUM,
  hasChromium,
  type LiveGateway,
  postJson,
  saveScreenshot,
  seriousViolations,
  startLiveGateway,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const SLUG = 'journey-live';
// Short, so the test sees the page renew it: renewed at three quarters of its life.
const ACCESS_TOKEN_TTL_SECONDS = 8;

describe.skipIf(!hasChromium)(
  `the web app in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 300_000 },
  () => {
    let smtp: TestSmtpServer;
    let server: LiveGateway;
    let browser: Browser;
    let base: string;
    let videoId: string;

    beforeAll(async () => {
      smtp = await startTestSmtpServer();
      server = await startLiveGateway(
        [{ email: 'caster@example.test', username: 'caster', password: PASSWORD }],
        {
          SMTP_URL: smtp.url,
          ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
          // The node takes the first thumbnail as the stream turns playable, the next one an hour later:
          // the followed-cards check below removes it for a while, and nothing puts it back meanwhile.
          LIVE_THUMBNAIL_SECONDS: '3600',
        },
      );
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });

      // The streamer's channel, live from real ffmpeg for the whole file.
      const post = (path: string, body: unknown, token?: string) => postJson(base, path, body, token);
      const { accessToken } = TokenPairSchema.parse(
        await post('/api/v1/auth/login', { email: 'caster@example.test', password: PASSWORD }),
      );
      await post(
        '/api/v1/channels',
        { slug: SLUG, title: 'Journey <live>', category: 'software' },
        accessToken,
      );
      const key = CreatedStreamKeySchema.parse(
        await post(`/api/v1/channels/${SLUG}/keys`, { name: 'OBS' }, accessToken),
      );
      startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, 240, '640x360');

      // A real 2-second video over tus for the video page; the gateway's job processes it meanwhile.
      const file = join(await mkdtemp(join(tmpdir(), 'web-app-video-')), 'clip.mp4');
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '2'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', file],
      ]);
      const bytes = await readFile(file);
      await rm(dirname(file), { recursive: true, force: true });
      // A token of its own: the access tokens of this file live 8 s, which a loaded machine spends on
      // the ffmpeg run above (the upload was refused with 401 at load average 30).
      const { accessToken: uploadToken } = TokenPairSchema.parse(
        await post('/api/v1/auth/login', { email: 'caster@example.test', password: PASSWORD }),
      );
      const tus = { Authorization: `Bearer ${uploadToken}`, 'Tus-Resumable': '1.0.0' };
      const created = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          ...tus,
          'Upload-Length': String(bytes.length),
          'Upload-Metadata': encodeUploadMetadata({ title: 'Journey <clip>' }),
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
    });
    afterAll(async () => {
      killPublishers();
      await browser?.close();
      await server?.gateway.close();
      await smtp?.close();
    });

    const storedAccessToken = (page: Page) =>
      page.evaluate(
        "JSON.parse(localStorage.getItem('streamhub.session') ?? 'null')?.accessToken ?? null",
      ) as Promise<string | null>;

    it('signs up, verifies, signs in, finds the live channel, watches, chats, follows and stays signed in', async () => {
      const viewer = await watchedPage(browser, { viewport: { width: 1280, height: 800 } });
      const { page } = viewer;
      await page.goto(`${base}/`);

      // Sign up from the header.
      await page.getByRole('link', { name: 'Sign up' }).click();
      await page.waitForURL(`${base}/sign-up`);
      await page.getByLabel('Email').fill('journey@example.test');
      await page.getByLabel('Username').fill('journey');
      await page.getByLabel('Display name (optional)').fill('Jo <Journey>');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create the account' }).click();
      await page.getByRole('status').filter({ hasText: 'Your account is ready' }).waitFor();

      // Verify through the real email.
      await page.goto(await linkFromMail(smtp, 'journey@example.test', '/verify-email'));
      await page.getByRole('button', { name: 'Verify my address' }).click();
      await page.getByRole('status').filter({ hasText: 'verified' }).waitFor();

      // Sign in from the header; back home, the header names the account (as text).
      await page.getByRole('link', { name: 'Sign in', exact: true }).click();
      await page.getByLabel('Email').fill('journey@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/`);
      await expect.poll(() => page.locator('#account-name').textContent()).toBe('Jo <Journey>');
      expect(await page.isHidden('#account-signed-out')).toBe(true);

      // The pushed channel shows in "live now" (the media node marks it live within seconds).
      const card = page.locator(`#live-now a[href="/c/${SLUG}"]`);
      await expect
        .poll(
          async () => {
            await page.reload();
            return card.count();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(1);
      await card.click();
      await page.waitForURL(`${base}/c/${SLUG}`);
      expect(await page.locator('#channel-title').textContent()).toBe('Journey <live>');

      // Real playback through hls.js: the playhead moves on.
      const playhead = () =>
        page.locator('video').evaluate((element: { currentTime: number }) => element.currentTime);
      await expect.poll(playhead, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0.5);

      // A second, anonymous viewer in its own context.
      const other = await watchedPage(browser, { viewport: { width: 375, height: 740 } });
      await other.page.goto(`${base}/c/${SLUG}`);
      await other.page.waitForSelector('#chat-sign-in:not([hidden])');
      await expect
        .poll(async () => Number(await other.page.locator('#viewer-count').textContent()), {
          timeout: 20_000,
        })
        .toBeGreaterThanOrEqual(2);

      // The signed-in viewer chats; the anonymous one reads it, as text.
      const say = async (body: string) => {
        await page.locator('#chat-form:not([hidden])').waitFor({ timeout: 10_000 });
        const message = page.getByLabel('Message', { exact: true });
        await message.fill(body);
        await message.press('Enter');
        const line = other.page.locator('#chat-messages li', { hasText: body });
        await line.waitFor({ timeout: 10_000 });
        expect(await line.locator('.author').textContent()).toBe('Jo <Journey>');
      };
      await say('hello <b>everyone</b>');
      expect(await other.page.locator('#chat-messages b').count()).toBe(0);

      // Follow; the home page then lists the channel among the followed ones that are live.
      const follow = page.locator('#follow-button');
      await follow.waitFor();
      expect(await follow.getAttribute('aria-pressed')).toBe('false');
      await follow.click();
      await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('true');
      expect(await follow.textContent()).toBe('Following');

      // Past the access token's lifetime: the page renewed it before it expired, the socket was told,
      // and a reload (a new socket, a new page) is still signed in.
      const firstToken = await storedAccessToken(page);
      expect(firstToken).toEqual(expect.any(String));
      await expect
        .poll(() => storedAccessToken(page), { timeout: ACCESS_TOKEN_TTL_SECONDS * 3000, interval: 250 })
        .not.toBe(firstToken);
      await expect
        .poll(() => storedAccessToken(page), { timeout: ACCESS_TOKEN_TTL_SECONDS * 3000, interval: 250 })
        .not.toBe(await storedAccessToken(page));
      await say('still here after two renewals');
      await page.reload();
      await say('and after a reload');
      await expect.poll(() => page.locator('#account-name').textContent()).toBe('Jo <Journey>');

      // A followed channel in its first seconds, before the media node has written its first thumbnail
      // (made here by taking the thumbnail away): its card keeps the placeholder and asks for no image,
      // so nothing answers 404. Once the thumbnail exists, the card shows it.
      const thumbnailPath = `/api/v1/channels/${SLUG}/thumbnail.jpg`;
      let thumbnail = new Uint8Array();
      await expect
        .poll(
          async () => {
            const response = await fetch(`${base}${thumbnailPath}`);
            if (response.ok) thumbnail = new Uint8Array(await response.arrayBuffer());
            return response.status;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(200);
      const { session } = PublicChannelSchema.parse(
        await (await fetch(`${base}/api/v1/channels/${SLUG}`)).json(),
      );
      const media = new FilesystemMediaStorage({ dataDir: server.dataDir });
      const thumbnailKey = mediaKeys.liveThumbnail(session?.playbackId ?? '');
      await media.delete(thumbnailKey);
      const thumbnailRequests = () => viewer.requests.filter((url) => url.endsWith(thumbnailPath)).length;
      const askedBefore = thumbnailRequests();
      const problemsBefore = viewer.problems.length;
      const followedCard = page.locator(`#following-live a[href="/c/${SLUG}"]`);
      await page.goto(`${base}/`, { waitUntil: 'networkidle' });
      await followedCard.waitFor({ timeout: 10_000 });
      await page.waitForLoadState('networkidle');
      expect(await followedCard.locator('.thumb').count()).toBe(1);
      expect(await followedCard.locator('img').count()).toBe(0);
      expect(thumbnailRequests()).toBe(askedBefore);
      expect(viewer.problems.slice(problemsBefore)).toEqual([]);

      await media.write(thumbnailKey, thumbnail);
      await page.reload();
      await followedCard.locator('img').waitFor({ timeout: 10_000 });
      await expect
        .poll(() =>
          followedCard
            .locator('img')
            .evaluate(
              (image: { complete: boolean; naturalWidth: number }) => image.complete && image.naturalWidth,
            ),
        )
        .toBeGreaterThan(0);
      expect(thumbnailRequests()).toBeGreaterThan(askedBefore);

      // Sign out: the header offers sign-in again and the session is gone from the browser.
      // (It goes to the home page: wait for that load, or the check below would race the navigation.)
      await Promise.all([
        page.waitForEvent('load'),
        page.getByRole('button', { name: 'Sign out', exact: true }).click(),
      ]);
      await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
      expect(await storedAccessToken(page)).toBeNull();

      for (const { elsewhere, problems } of [viewer, other]) {
        expect(elsewhere).toEqual([]);
        // hls.js's 404s on a playlist not written yet are expected; nothing else (no CSP violation).
        expect(problems.filter((problem) => !/status of 404/.test(problem))).toEqual([]);
      }
      await viewer.context.close();
      await other.context.close();
    });

    const PAGES: [name: string, path: string][] = [
      ['home', '/'],
      ['directory', '/directory'],
      ['directory-software', '/directory/software'],
      ['search', '/search?q=journey'],
      ['channel', `/c/${SLUG}`],
      ['sign-in', '/sign-in'],
      ['sign-up', '/sign-up'],
      ['forgot-password', '/forgot-password'],
      ['verify-email', '/verify-email?token=x'],
      ['reset-password', '/reset-password?token=x'],
      ['not-found', '/c/no-such-channel'],
    ];

    it('has no serious or critical axe violation on any page, at 375 and 1280 px, light and dark', async () => {
      // The checker itself: a page with an unlabelled image and field is refused.
      const probe = await watchedPage(browser);
      await probe.page.goto(`${base}/sign-in`);
      await probe.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\"><input id=\"bare\">')",
      );
      expect((await seriousViolations(probe.page)).join('\n')).toMatch(/image-alt \(critical\)[\s\S]*label/);
      await probe.context.close();

      // The video page, once the video uploaded in beforeAll is processed.
      await expect
        .poll(
          async () => {
            const response = await fetch(`${base}/api/v1/videos/${videoId}`);
            return response.ok ? VideoSchema.parse(await response.json()).status : response.status;
          },
          { timeout: 120_000, interval: 500 },
        )
        .toBe('ready');
      const pages: [name: string, path: string][] = [...PAGES, ['video', `/v/${videoId}`]];

      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const { context, page, problems } = await watchedPage(browser, {
            viewport: { width, height: width < 600 ? 740 : 800 },
            colorScheme,
          });
          for (const [name, path] of pages) {
            await page.goto(`${base}${path}`);
            await page.waitForLoadState('load');
            if (name === 'channel') await page.waitForSelector('#live-status[data-live="true"]');
            // Wide pages never scroll sideways on a phone.
            expect(
              await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
              `${name} at ${width}`,
            ).toBe(true);
            for (const violation of await seriousViolations(page)) {
              found.push(`${name} ${width}px ${colorScheme}: ${violation}`);
            }
            await saveScreenshot(page, `${name}-${width}-${colorScheme}`);
          }
          expect(problems.filter((problem) => !/status of 404/.test(problem))).toEqual([]);
          await context.close();
        }
      }
      expect(found).toEqual([]);
    });

    it('changes the profile, avatar and password in the settings, and signs out everywhere', async () => {
      const email = 'settings@example.test';
      const registered = await fetch(`${base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, username: 'settler', password: PASSWORD }),
      });
      expect(registered.status).toBe(201);
      const { context, page, elsewhere, problems } = await watchedPage(browser, {
        viewport: { width: 375, height: 740 },
      });
      // Signed out, the page sends the reader to sign in and back.
      await page.goto(`${base}/settings`);
      await page.waitForURL(`${base}/sign-in?next=%2Fsettings`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/settings`);

      await page.getByLabel('Display name').fill('Settler <S>');
      await page.getByLabel('About you').fill('Watches everything.');
      await page.getByRole('button', { name: 'Save the profile' }).click();
      await page.getByRole('status').filter({ hasText: 'profile is saved' }).waitFor();
      await expect.poll(() => page.locator('#account-name').textContent()).toBe('Settler <S>');

      const image = join(tmpdir(), `avatar-${crypto.randomUUID()}.png`);
      await writeFile(
        image,
        await sharp({ create: { width: 300, height: 200, channels: 3, background: '#5b2bd6' } })
          .png()
          .toBuffer(),
      );
      await page.getByLabel(/^Image/).setInputFiles(image);
      await page.getByRole('button', { name: 'Upload the avatar' }).click();
      await page.getByRole('status').filter({ hasText: 'avatar is updated' }).waitFor();
      await expect
        .poll(() =>
          page.locator('#avatar-image').evaluate((img: { naturalWidth: number }) => img.naturalWidth),
        )
        .toBe(256);

      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        expect(await seriousViolations(page), `settings at ${width}`).toEqual([]);
        await saveScreenshot(page, `settings-${width}-light`);
      }

      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
      await page.getByLabel('Repeat the new password').fill('a brand new passphrase');
      await page.getByRole('button', { name: 'Change the password' }).click();
      await page.getByRole('status').filter({ hasText: 'password is changed' }).waitFor();

      // This session survived the change (only the others end); now end it too, everywhere.
      const token = await storedAccessToken(page);
      await Promise.all([
        page.waitForURL(`${base}/sign-in`),
        page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click(),
      ]);
      expect(await storedAccessToken(page)).toBeNull();
      const me = await fetch(`${base}/api/v1/auth/session`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(me.status).toBe(401);

      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('goes live embedded in another site, with its links leaving the frame', async () => {
      // Another site: another origin (a port of its own) serving a page that frames the channel.
      const site = createServer((_request, response) => {
        response.setHeader('Content-Type', 'text/html; charset=utf-8');
        response.end(
          `<!doctype html><title>Blog</title><iframe src="${base}/c/${SLUG}" width="800" height="600"></iframe>`,
        );
      });
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      onTestFinished(() => new Promise<void>((resolve) => site.close(() => resolve())));
      const { port } = site.address() as AddressInfo;
      const { context, page, problems } = await watchedPage(browser);
      await page.goto(`http://127.0.0.1:${port}/`);
      const frame = page.frameLocator('iframe');
      await frame.locator('#live-status[data-live="true"]').waitFor({ timeout: 30_000 });
      // The sign-in page refuses to be framed, so the link opens it in the whole window.
      expect(await frame.locator('#chat-sign-in a').getAttribute('target')).toBe('_top');
      expect(await frame.locator('.site-search form').getAttribute('target')).toBe('_top');
      expect(problems.filter((problem) => !/status of 404/.test(problem))).toEqual([]);
      await context.close();
    });

    it('can be used with the keyboard alone: the skip link, then the search box', async () => {
      const { context, page } = await watchedPage(browser);
      await page.goto(`${base}/`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement.id')).toBe('main');
      await page.focus('#site-search');
      await page.keyboard.type('journey');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/search?q=journey`);
      await page.locator(`#channel-results a[href="/c/${SLUG}"]`).waitFor();
      await context.close();
    });
  },
);
