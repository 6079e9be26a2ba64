import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelRequestSchema } from '@streamhub/contracts/live';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { resolveHlsFile } from './hls-files.ts';
import { liveMediaDir } from './playback.routes.ts';

const PLAYLIST =
  '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\n720p/index.m3u8\n';

describe('HLS playback', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-playback-'));

  beforeAll(async () => {
    backends = await createTestBackends();
    deps = backends.deps({ STREAMHUB_DATA_DIR: dataDir });
    app = createApp(deps).app;
  });
  afterAll(() => backends.close());

  /** Starts a live session the way the media node does and writes what FFmpeg would have written. */
  async function liveSession(record = false) {
    const user = await registerAndLogin(app, backends, { role: 'streamer' });
    const slug = `ch-${crypto.randomUUID().slice(0, 8)}`;
    await deps.services.channels.create(
      user.account.id,
      CreateChannelRequestSchema.parse({ slug, title: 'Live', record }),
    );
    const key = await deps.services.channels.createKey(user.account.id, slug, 'OBS');
    const decision = await deps.services.channels.authorizePublish(key.secret);
    if (!decision.ok) throw new Error(decision.reason);
    const dir = join(liveMediaDir(dataDir), decision.playbackId);
    mkdirSync(join(dir, '720p'), { recursive: true });
    writeFileSync(join(dir, 'master.m3u8'), PLAYLIST);
    writeFileSync(join(dir, '720p', 'seg_00001.ts'), Buffer.alloc(188 * 10, 0x47));
    return decision;
  }

  it('serves playlists briefly cached and segments for an hour, to any origin', async () => {
    const { playbackId } = await liveSession();
    const master = await app.request(`/hls/${playbackId}/master.m3u8`, {
      headers: { Origin: 'https://player.example' },
    });
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(master.headers.get('cache-control')).toBe('public, max-age=1, must-revalidate');
    expect(master.headers.get('access-control-allow-origin')).toBe('*');
    expect(master.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await master.text()).toBe(PLAYLIST);

    const segment = await app.request(`/hls/${playbackId}/720p/seg_00001.ts`);
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    expect(segment.headers.get('cache-control')).toBe('public, max-age=3600');
    expect((await segment.arrayBuffer()).byteLength).toBe(1880);
  });

  it('answers 404 problems for unknown ids and files, and for traversal attempts', async () => {
    const { playbackId } = await liveSession();
    const paths = [
      '/hls/unknownplayback1/master.m3u8',
      `/hls/${playbackId}/missing.m3u8`,
      `/hls/${playbackId}/..%2F..%2Fkeys%2Fsigning-keys.json`,
      `/hls/${playbackId}/../../keys/signing-keys.json`,
      `/hls/${playbackId}/720p/../../master.m3u8`,
      `/hls/${playbackId}/master.json`,
      `/hls/${playbackId}/a/b/c.ts`,
    ];
    for (const path of paths) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(ProblemSchema.parse(await response.json()).code, path).toBe('not_found');
    }
  });

  it('stops serving a session when it ends, recorded or not: a recording is served as its video', async () => {
    for (const record of [false, true]) {
      const session = await liveSession(record);
      const paths = [
        `/hls/${session.playbackId}/master.m3u8`,
        `/hls/${session.playbackId}/720p/seg_00001.ts`,
      ];
      for (const path of paths) expect((await app.request(path)).status, path).toBe(200);
      await deps.services.channels.endSession(session.sessionId, { recorded: record });
      for (const path of paths) {
        const response = await app.request(path);
        expect(response.status, path).toBe(404);
        expect(ProblemSchema.parse(await response.json()).code, path).toBe('not_found');
      }
    }
  });

  it('maps only well-formed HLS names to files inside the playback directory', () => {
    expect(resolveHlsFile('/d', 'abcdefgh12', 'master.m3u8')?.path).toBe('/d/abcdefgh12/master.m3u8');
    expect(resolveHlsFile('/d', 'abcdefgh12', 'v0/seg_1.m4s')?.contentType).toBe('video/iso.segment');
    for (const bad of ['../x.ts', 'v0/../../x.ts', '.hidden.ts', 'a/b/c.ts', 'x.sh', 'v0\\x.ts', '']) {
      expect(resolveHlsFile('/d', 'abcdefgh12', bad), bad).toBeUndefined();
    }
    expect(resolveHlsFile('/d', '../etc', 'master.m3u8')).toBeUndefined();
  });
});
