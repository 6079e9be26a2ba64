/**
 * The live pipeline end to end, as a streamer and a viewer meet it: `streamhub dev` on free ports, a
 * streamer made with the CLI, a channel and key made over the API, real ffmpeg pushing RTMP, HLS
 * fetched from the gateway and decoded by ffprobe.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gatewayClient, ok } from '@streamhub/api/testing/gateway-client';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { freePort } from '@streamhub/infra/shared/free-port';
import { publisherBitrate, startPublisher } from '@streamhub/media-node/testing/process-helpers';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli, userCreateArgs, waitForExit, waitForOk } from '../testing/cli-process.ts';

const run = promisify(execFile);
const children: { kill(signal?: NodeJS.Signals): boolean; exitCode: number | null }[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

async function poll<T>(read: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('live streaming through streamhub dev', { timeout: 180_000 }, () => {
  it('publishes RTMP, serves a decodable HLS ladder while live, and goes offline after', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamhub-live-'));
    const [port, rtmpPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      RTMP_PORT: String(rtmpPort),
      HOST: '127.0.0.1',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_LADDER: '720,360',
      LIVE_X264_PRESET: 'ultrafast',
      LIVE_RECONNECT_GRACE_SECONDS: '2',
      LIVE_THUMBNAIL_SECONDS: '1',
    };
    writeFileSync(
      join(cwd, '.env'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );

    // The streamer is provisioned before the server holds the embedded database.
    expect((await runCli(['db', 'migrate'], { cwd })).code).toBe(0);
    const created = await runCli(userCreateArgs('caster', { role: 'streamer' }), {
      cwd,
      input: 'a streamer passphrase',
    });
    expect(created.stderr).toBe('');

    const dev = startCli(['dev'], { cwd });
    children.push(dev);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/healthz`, 60_000, dev);

    const { v1 } = gatewayClient(base).api;
    const { accessToken } = await ok(
      v1.auth.login.$post({ json: { email: 'caster@example.com', password: 'a streamer passphrase' } }),
    );
    const asCaster = gatewayClient(base, `Bearer ${accessToken}`).api.v1;
    await ok(asCaster.channels.$post({ json: { slug: 'caster-live', title: 'Live test' } }));
    const key = await ok(
      asCaster.channels[':slug'].keys.$post({ param: { slug: 'caster-live' }, json: { name: 'OBS' } }),
    );
    const channelPage = () => ok(v1.channels[':slug'].$get({ param: { slug: 'caster-live' } }));

    const { child: publisher } = startPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${key.secret}`, 15);
    children.push(publisher);

    const live = await poll(
      async () => {
        const page = await channelPage();
        return page.live && page.session ? page.session : undefined;
      },
      20_000,
      'the channel going live',
    );
    expect(live.playbackUrl).toBe(`http://localhost:${port}/hls/${live.playbackId}/master.m3u8`);
    const master = await poll(
      async () => {
        const response = await fetch(`${base}/hls/${live.playbackId}/master.m3u8`);
        return response.ok ? response.text() : undefined;
      },
      30_000,
      'the master playlist',
    );
    const variants = master.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(master).toMatch(/RESOLUTION=1280x720/);
    expect(master).toMatch(/RESOLUTION=640x360/);
    expect(master).toMatch(/CODECS="avc1\.[0-9a-fA-F]+,mp4a\.40\.2"/);
    expect(variants).toHaveLength(2);
    expect(master).not.toContain(key.secret);

    for (const variant of variants) {
      const variantUrl = new URL(variant, `${base}/hls/${live.playbackId}/`);
      const segment = await poll(
        async () => {
          const response = await fetch(variantUrl);
          if (!response.ok) return undefined;
          // The newest segment: older ones leave the live window (and the disk) while a busy machine probes.
          return (await response.text()).split('\n').findLast((line) => line && !line.startsWith('#'));
        },
        30_000,
        `a segment in ${variant}`,
      );
      const { stdout } = await run('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_type,width,height',
        '-of',
        'json',
        new URL(segment, variantUrl).href,
      ]);
      const streams = (JSON.parse(stdout) as { streams: { codec_type: string }[] }).streams.map(
        (s) => s.codec_type,
      );
      expect(streams.sort()).toEqual(['audio', 'video']);
    }

    // Codecs once playable; the running ingest bitrate a few seconds into the broadcast.
    const ingest = await poll(
      async () => {
        const page = await channelPage();
        return page.session?.ingest?.bitrate ? page.session.ingest : undefined;
      },
      20_000,
      'the ingest details',
    );
    expect(ingest).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', width: 1280, height: 720 });
    const reference = await publisherBitrate(join(cwd, 'reference.flv'), 6);
    expect(ingest.bitrate).toBeGreaterThan(reference * 0.5);
    expect(ingest.bitrate).toBeLessThan(reference * 1.5);

    const thumbnail = await poll(
      async () => {
        const response = await fetch(`${base}/api/v1/channels/caster-live/thumbnail.jpg`);
        return response.ok ? response : undefined;
      },
      20_000,
      'the live thumbnail',
    );
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = new Uint8Array(await thumbnail.arrayBuffer());
    expect([...jpeg.slice(0, 3)]).toEqual([0xff, 0xd8, 0xff]);

    expect(await waitForExit(publisher, 30_000)).toBe(0);
    // After the reconnect grace window the session ends and the unrecorded playback is gone.
    await poll(
      async () => {
        const page = await channelPage();
        return page.live ? undefined : page;
      },
      30_000,
      'the channel going offline',
    );
    expect((await fetch(`${base}/hls/${live.playbackId}/master.m3u8`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/channels/caster-live/thumbnail.jpg`)).status).toBe(404);
    // An unrecorded session's files are deleted once it has ended.
    await poll(
      async () => (existsSync(mediaPaths(join(cwd, '.streamhub')).live(live.playbackId)) ? undefined : true),
      10_000,
      'the session files to be deleted',
    );

    dev.kill('SIGTERM');
    expect(await waitForExit(dev)).toBe(0);
  });

  it('refuses a publish with an unknown key and writes nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamhub-live-'));
    const [port, rtmpPort] = [await freePort(), await freePort()];
    const dev = startCli(['dev'], {
      cwd,
      env: { PORT: String(port), RTMP_PORT: String(rtmpPort), HOST: '127.0.0.1' },
    });
    children.push(dev);
    await waitForOk(`http://127.0.0.1:${port}/healthz`, 60_000, dev);
    const { child: publisher } = startPublisher(
      `rtmp://127.0.0.1:${rtmpPort}/live/sk_live_not-a-real-key`,
      5,
      '320x240',
    );
    children.push(publisher);
    expect(await waitForExit(publisher, 20_000)).not.toBe(0);
    const { stdout } = await run('find', [join(cwd, '.streamhub'), '-path', '*media/live/*']);
    expect(stdout.trim()).toBe('');
    dev.kill('SIGTERM');
    expect(await waitForExit(dev)).toBe(0);
  });

  it('a dev server killed mid-broadcast ends the stuck session when it starts again', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamhub-live-'));
    const [port, rtmpPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      RTMP_PORT: String(rtmpPort),
      HOST: '127.0.0.1',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_LADDER: '360',
      LIVE_X264_PRESET: 'ultrafast',
    };
    expect((await runCli(['db', 'migrate'], { cwd, env })).code).toBe(0);
    const created = await runCli(userCreateArgs('crash', { role: 'streamer' }), {
      cwd,
      env,
      input: 'a streamer passphrase',
    });
    expect(created.stderr).toBe('');
    const base = `http://127.0.0.1:${port}`;
    const startDev = async () => {
      const dev = startCli(['dev'], { cwd, env });
      children.push(dev);
      await waitForOk(`${base}/healthz`, 60_000, dev);
      return dev;
    };
    const { v1 } = gatewayClient(base).api;
    const channelPage = () => ok(v1.channels[':slug'].$get({ param: { slug: 'crash-live' } }));

    const first = await startDev();
    const { accessToken } = await ok(
      v1.auth.login.$post({ json: { email: 'crash@example.com', password: 'a streamer passphrase' } }),
    );
    const asCaster = gatewayClient(base, `Bearer ${accessToken}`).api.v1;
    await ok(asCaster.channels.$post({ json: { slug: 'crash-live', title: 'Crash test' } }));
    const key = await ok(
      asCaster.channels[':slug'].keys.$post({ param: { slug: 'crash-live' }, json: { name: 'OBS' } }),
    );
    const rtmpUrl = `rtmp://127.0.0.1:${rtmpPort}/live/${key.secret}`;
    const { child: publisher } = startPublisher(rtmpUrl, 60, '640x360');
    children.push(publisher);
    const stuck = await poll(async () => (await channelPage()).session ?? undefined, 20_000, 'going live');
    const stuckDir = mediaPaths(join(cwd, '.streamhub')).live(stuck.playbackId);
    await poll(
      async () => (existsSync(join(stuckDir, '360p.m3u8')) ? true : undefined),
      20_000,
      'HLS on disk',
    );

    // A crash: no shutdown hook runs, the session stays "live" in the database and its files stay on disk.
    first.kill('SIGKILL');
    await waitForExit(first);
    expect(await waitForExit(publisher, 30_000)).not.toBe(0);

    const second = await startDev();
    // The restarted node (same host, same RTMP port: the same node id) ended what it held and deleted its files.
    const page = await channelPage();
    expect(page.live).toBe(false);
    expect(existsSync(stuckDir)).toBe(false);
    const { child: again } = startPublisher(rtmpUrl, 30, '640x360');
    children.push(again);
    const next = await poll(
      async () => (await channelPage()).session ?? undefined,
      20_000,
      'going live again',
    );
    expect(next.playbackId).not.toBe(stuck.playbackId);

    again.kill('SIGKILL');
    second.kill('SIGTERM');
    expect(await waitForExit(second)).toBe(0);
  });
});
