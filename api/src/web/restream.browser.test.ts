/**
 * Restreaming end to end in a real browser: a gateway with its in-process media node and
 * RESTREAM_SECRET, a streamer who adds a destination on `/studio/restream` (a local RTMP listener,
 * `ffmpeg -listen 1`, standing in for another platform) and goes live with a real ffmpeg publisher. The
 * page shows the forward live, then failed with its reason when the destination goes away; the page
 * passes axe-core. The destination key never reaches the page.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import { CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { killPublishers, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  type LiveGateway,
  seriousViolations,
  startLiveGateway,
  watchedPage,
} from './browser-test-kit.ts';

const PASSWORD = 'a long test password';
const STREAMER = { email: 'simulcaster@example.test', username: 'simulcaster', password: PASSWORD };
const DESTINATION_KEY = 'destKey_0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.skipIf(!hasChromium)(
  `restream destinations in the studio, in chromium (skipped when ${CHROMIUM} is missing)`,
  { timeout: 120_000 },
  () => {
    let server: LiveGateway;
    let browser: Browser;
    let listener: ChildProcess | undefined;

    beforeAll(async () => {
      server = await startLiveGateway([STREAMER], {
        RESTREAM_SECRET: 'a restream secret of at least thirty-two characters',
      });
      browser = await chromium.launch({ executablePath: CHROMIUM });
    });
    afterAll(async () => {
      killPublishers();
      listener?.kill('SIGKILL');
      await browser?.close();
      await server?.gateway.close();
    });

    it('adds a destination, shows it live while streaming, then failed with a reason when it goes away', async () => {
      const { base } = server;
      const api = async (path: string, method: string, body: unknown, token: string) =>
        fetch(`${base}${path}`, {
          method,
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: STREAMER.email, password: PASSWORD }),
      });
      const { accessToken } = TokenPairSchema.parse(await login.json());
      expect(
        (await api('/api/v1/channels', 'POST', { slug: 'simulcast', title: 'Simulcast' }, accessToken))
          .status,
      ).toBe(201);
      const key = CreatedStreamKeySchema.parse(
        await (await api('/api/v1/channels/simulcast/keys', 'POST', { name: 'OBS' }, accessToken)).json(),
      );

      const port = await freePort();
      listener = spawn(
        'ffmpeg',
        [
          '-loglevel',
          'error',
          '-listen',
          '1',
          '-i',
          `rtmp://127.0.0.1:${port}/live/${DESTINATION_KEY}`,
          '-f',
          'null',
          '-',
        ],
        { stdio: 'ignore' },
      );

      const watched = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
      const { page } = watched;
      await page.goto(`${base}/studio/restream`);
      await page.waitForURL(/\/sign-in/);
      await page.getByLabel('Email').fill(STREAMER.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/studio/restream`);
      await page.getByText('No destinations yet.').waitFor();

      await page.getByLabel('Name').fill('Other platform');
      await page.getByLabel('Server URL').fill(`rtmp://127.0.0.1:${port}/live`);
      await page.getByLabel('Stream key').fill(DESTINATION_KEY);
      await page.getByRole('button', { name: 'Add destination' }).click();
      await page.getByText('Destination added.').waitFor();
      const state = page.locator('#destinations td[data-state]');
      expect(await state.getAttribute('data-state')).toBe('offline');
      expect(await page.locator('#destinations').textContent()).toContain('…6789');
      expect(await page.content()).not.toContain(DESTINATION_KEY);
      expect(await seriousViolations(page)).toEqual([]);

      startPublisher(`rtmp://127.0.0.1:${server.rtmpPort}/live/${key.secret}`, 60, '640x360');
      await page.locator('#destinations td[data-state="live"]').waitFor({ timeout: 30_000 });
      expect(await state.textContent()).toContain('Live');

      listener.kill('SIGKILL');
      await page.locator('#destinations td[data-state="failed"]').waitFor({ timeout: 30_000 });
      const failed = await state.textContent();
      expect(failed).toContain('Failed');
      expect(failed).not.toContain(DESTINATION_KEY);
      expect(failed).toContain('***');
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  },
);
