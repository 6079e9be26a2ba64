/**
 * The studio's clips page (`/studio/clips`) in a real browser (Debian's chromium through
 * playwright-core): clips really cut by the API from a processed upload, by the owner and by a viewer,
 * are listed with title (as text), maker, length and state, turn "Ready" by themselves and link to their
 * page; the owner deletes one (its video is gone from the API) and lets viewers clip with the checkbox;
 * axe-core at 375 and 1280 px, light and dark, no sideways scroll, with screenshots; the keyboard alone
 * reaches the page, the setting and a clip's "Delete".
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TokenPair, TokenPairSchema } from '@streamhub/contracts/auth';
import { ClipSchema, ClipSettingsSchema } from '@streamhub/contracts/clips';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeUploadMetadata } from '../domains/videos/tus.ts';
import {
  CHROMIUM,
  hasChromium,
  type PageGateway,
  postJson,
  saveScreenshot,
  seriousViolations,
  signInPage,
  startPageGateway,
  videoStatusOf,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const SLUG = 'clip-studio';
// The instance's first account is its admin, who may open a channel.
const OWNER = { email: 'owner@example.test', username: 'owner', displayName: 'Owner <O>' };
const VIEWER = { email: 'fan@example.test', username: 'fan' };

describe.skipIf(!hasChromium)(
  `the studio's clips page in chromium (skipped when ${CHROMIUM} is missing: apt-get install chromium)`,
  { timeout: 400_000 },
  () => {
    let server: PageGateway;
    let browser: Browser;
    let base: string;
    let owner: TokenPair;
    /** Video ids of the clips made in beforeAll, by title. */
    const clips = new Map<string, string>();

    const post = (path: string, body: unknown, token?: string) => postJson(base, path, body, token);
    const login = async (email: string) =>
      TokenPairSchema.parse(await post('/api/v1/auth/login', { email, password: PASSWORD }));
    const clipSettings = async () =>
      ClipSettingsSchema.parse(
        await (
          await fetch(`${base}/api/v1/channels/${SLUG}/clips/settings`, {
            headers: { Authorization: `Bearer ${owner.accessToken}` },
          })
        ).json(),
      ).viewersMayClip;

    beforeAll(async () => {
      server = await startPageGateway();
      base = server.base;
      browser = await chromium.launch({ executablePath: CHROMIUM });
      for (const account of [OWNER, VIEWER]) {
        await post('/api/v1/auth/register', { ...account, password: PASSWORD });
      }
      owner = await login(OWNER.email);
      const viewer = await login(VIEWER.email);
      await post(
        '/api/v1/channels',
        { slug: SLUG, title: 'Clip studio', category: 'software' },
        owner.accessToken,
      );

      // A real 12-second upload of the channel, over tus, processed by the gateway's job.
      const dir = await mkdtemp(join(tmpdir(), 'studio-clips-browser-'));
      const file = join(dir, 'source.mp4');
      await promisify(execFile)('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '12'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', file],
      ]);
      const bytes = await readFile(file);
      await rm(dir, { recursive: true, force: true });
      const tus = { Authorization: `Bearer ${owner.accessToken}`, 'Tus-Resumable': '1.0.0' };
      const created = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          ...tus,
          'Upload-Length': String(bytes.length),
          'Upload-Metadata': encodeUploadMetadata({ title: 'Clip source' }),
        },
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const location = created.headers.get('location') ?? '';
      const sourceId = location.split('/').at(-1) ?? '';
      const sent = await fetch(`${base}${location}`, {
        method: 'PATCH',
        headers: { ...tus, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
        body: bytes,
      });
      expect(sent.status, await sent.clone().text()).toBe(204);
      // expect.poll works only inside a test.
      for (const deadline = Date.now() + 180_000; (await videoStatusOf(base, sourceId)) !== 'ready'; ) {
        if (Date.now() > deadline)
          throw new Error(`the upload was not processed: ${await videoStatusOf(base, sourceId)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }

      // Clips really cut from it: one by the owner, two by a viewer the channel lets clip.
      const settings = await fetch(`${base}/api/v1/channels/${SLUG}/clips/settings`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${owner.accessToken}` },
        body: JSON.stringify({ viewersMayClip: true }),
      });
      expect(settings.status).toBe(200);
      const made: [string, TokenPair, number][] = [
        ['Owner <clip>', owner, 5],
        ['Fan clip', viewer, 6],
        ['Fan second clip', viewer, 5],
      ];
      for (const [title, maker, seconds] of made) {
        const clip = ClipSchema.parse(
          await post(
            `/api/v1/channels/${SLUG}/clips`,
            { seconds, title, from: { videoId: sourceId, startSeconds: 2 } },
            maker.accessToken,
          ),
        );
        clips.set(title, clip.videoId);
      }
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      await server?.gateway.close();
    });

    const rowOf = (page: Page, title: string) =>
      page.locator('#clips tr').filter({ has: page.locator('td').first().getByText(title, { exact: true }) });

    it('lists the clips with title, maker, length and state, links the ready ones, deletes one and sets who may clip', async () => {
      const { context, page, problems, elsewhere } = await watchedPage(browser, {
        viewport: { width: 1280, height: 900 },
      });
      await signInPage(page, owner);
      await page.goto(`${base}/studio`);
      await page.getByRole('link', { name: 'Clips', exact: true }).click();
      await page.waitForURL(`${base}/studio/clips`);
      expect(await page.getByRole('link', { name: 'Clips', exact: true }).getAttribute('aria-current')).toBe(
        'page',
      );

      // The page refreshes itself while a clip is processing: each turns Ready without a reload.
      const ownerRow = rowOf(page, 'Owner <clip>');
      await expect
        .poll(() => page.locator('#clips td[data-state="ready"]').count(), {
          timeout: 180_000,
          interval: 500,
        })
        .toBe(3);
      expect(await ownerRow.locator('td').allTextContents()).toEqual([
        'Owner <clip>',
        `${OWNER.displayName} (@${OWNER.username})`,
        '5 s',
        'Ready',
        'Delete',
      ]);
      expect(await rowOf(page, 'Fan clip').locator('td').nth(1).textContent()).toBe(`@${VIEWER.username}`);
      expect(await rowOf(page, 'Fan clip').locator('td').nth(2).textContent()).toBe('6 s');
      // Newest first.
      expect(await page.locator('#clips tr td:first-child').allTextContents()).toEqual([
        'Fan second clip',
        'Fan clip',
        'Owner <clip>',
      ]);
      expect(await page.locator('#clips b, #clips clip').count()).toBe(0);
      const watch = page.getByRole('link', { name: 'Watch Owner <clip>' });
      expect(await watch.getAttribute('href')).toBe(`/v/${clips.get('Owner <clip>')}`);

      // Delete, once confirmed: the clip's video is gone from the API and from the list.
      const fanClip = clips.get('Fan clip') ?? '';
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.getByRole('button', { name: 'Delete the clip Fan clip' }).click();
      expect(await rowOf(page, 'Fan clip').count()).toBe(1);
      expect(await videoStatusOf(base, fanClip)).toBe('ready');
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Delete the clip Fan clip' }).click();
      await page.getByRole('status').filter({ hasText: 'The clip is deleted' }).waitFor();
      expect(await rowOf(page, 'Fan clip').count()).toBe(0);
      expect(await videoStatusOf(base, fanClip)).toBe(404);
      await page.reload();
      await ownerRow.waitFor();
      expect(await rowOf(page, 'Fan clip').count()).toBe(0);

      // Who may clip: the checkbox shows the channel's setting and changes it.
      const mayClip = page.getByLabel('Let signed-in viewers clip my channel');
      expect(await mayClip.isChecked()).toBe(true);
      await mayClip.uncheck();
      await page.getByRole('status').filter({ hasText: 'The clip setting is saved' }).waitFor();
      expect(await clipSettings()).toBe(false);
      await mayClip.check();
      await expect.poll(clipSettings).toBe(true);

      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('passes axe-core at 375 and 1280 px, light and dark, without sideways scrolling', async () => {
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const { context, page } = await watchedPage(browser, {
            viewport: { width, height: width < 600 ? 740 : 900 },
            colorScheme,
          });
          await signInPage(page, owner);
          await page.goto(`${base}/studio/clips`);
          await rowOf(page, 'Owner <clip>').waitFor({ timeout: 30_000 });
          await page.waitForLoadState('networkidle');
          expect(
            await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'),
            `sideways scroll at ${width}`,
          ).toBe(true);
          for (const violation of await seriousViolations(page))
            found.push(`${width}px ${colorScheme}: ${violation}`);
          await saveScreenshot(page, `studio-clips-${width}-${colorScheme}`);
          await context.close();
        }
      }
      expect(found).toEqual([]);
    });

    it('works with the keyboard alone: the section, the setting and a clip’s Delete', async () => {
      const { context, page } = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      await signInPage(page, owner);
      await page.goto(`${base}/studio`);
      /** Tabs forward until the focus is on what `matches` accepts; fails after 60 presses. */
      const tabTo = async (what: string, matches: string) => {
        for (let presses = 0; presses < 60; presses++) {
          await page.keyboard.press('Tab');
          if (await page.evaluate(matches)) return;
        }
        throw new Error(`Tab never reached ${what}`);
      };
      await tabTo('the Clips section', "document.activeElement?.getAttribute('href') === '/studio/clips'");
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/studio/clips`);
      await rowOf(page, 'Fan second clip').waitFor({ timeout: 30_000 });

      const before = await clipSettings();
      await tabTo('the setting', "document.activeElement?.id === 'viewers-may-clip'");
      await page.keyboard.press('Space');
      await page.getByRole('status').filter({ hasText: 'The clip setting is saved' }).waitFor();
      expect(await clipSettings()).toBe(!before);

      const target = clips.get('Fan second clip') ?? '';
      await tabTo('its Delete', `document.activeElement?.dataset?.remove === '${target}'`);
      page.once('dialog', (dialog) => void dialog.accept());
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'The clip is deleted' }).waitFor();
      expect(await videoStatusOf(base, target)).toBe(404);
      // The focus moved on to the next clip's Delete, so the keyboard goes on from there.
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toMatch(
        /^Delete the clip /,
      );
      await context.close();
    });
  },
);
