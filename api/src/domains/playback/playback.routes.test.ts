import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelRequestSchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { resolveHlsFile } from './hls-files.ts';

const PLAYLIST =
  '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\n720p/index.m3u8\n';

describe('HLS playback', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-playback-'));
  // The gateway's storage is built from the same data directory: what the media node writes, it serves.
  const media = new FilesystemMediaStorage({ dataDir });

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
    await media.write(mediaKeys.liveFile(decision.playbackId, 'master.m3u8'), Buffer.from(PLAYLIST));
    const segment = Buffer.alloc(188 * 10, 0x47);
    segment.writeUInt32BE(0xdeadbeef, 188);
    await media.write(mediaKeys.liveFile(decision.playbackId, '720p/seg_00001.ts'), segment);
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

  it('answers byte ranges with 206 and revalidations with 304', async () => {
    const { playbackId } = await liveSession();
    const path = `/hls/${playbackId}/720p/seg_00001.ts`;
    const partial = await app.request(path, { headers: { Range: 'bytes=188-191' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe('bytes 188-191/1880');
    expect(partial.headers.get('content-length')).toBe('4');
    expect(Buffer.from(await partial.arrayBuffer()).readUInt32BE(0)).toBe(0xdeadbeef);
    const tail = await app.request(path, { headers: { Range: 'bytes=1870-' } });
    expect(tail.status).toBe(206);
    expect((await tail.arrayBuffer()).byteLength).toBe(10);
    // A range past the end is ignored (RFC 9110 allows it): the whole segment.
    const past = await app.request(path, { headers: { Range: 'bytes=5000-' } });
    expect(past.status).toBe(200);
    expect((await past.arrayBuffer()).byteLength).toBe(1880);

    const whole = await app.request(path);
    const etag = whole.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('last-modified')).toBeTruthy();
    await whole.arrayBuffer();
    const cached = await app.request(path, { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
    const changed = await app.request(path, { headers: { 'If-None-Match': '"something-else"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
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

  it('maps only well-formed HLS names to keys under the playback prefix', () => {
    const prefix = mediaKeys.livePrefix('abcdefgh12');
    expect(resolveHlsFile(prefix, 'master.m3u8')?.key).toBe('live/abcdefgh12/master.m3u8');
    expect(resolveHlsFile(prefix, 'v0/seg_1.m4s')?.contentType).toBe('video/iso.segment');
    for (const bad of [
      '../x.ts',
      'v0/../../x.ts',
      '.hidden.ts',
      'a/b/c.ts',
      'x.sh',
      'v0\\x.ts',
      'x\0.ts',
      '',
    ]) {
      expect(resolveHlsFile(prefix, bad), bad).toBeUndefined();
    }
    expect(() => mediaKeys.livePrefix('../etc')).toThrow();
  });
});
