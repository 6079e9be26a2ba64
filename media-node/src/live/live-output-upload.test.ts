/**
 * Live HLS on S3, end to end: the real media node with S3 media storage (a real s3rver, the multipart
 * ledger on PGlite), a real ffmpeg publisher pushing RTMP, and a viewer reading the bucket's public URL
 * as a CDN would, never the media node's disk.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import type { Database } from '@streamhub/db/client';
import { createTestDatabase } from '@streamhub/db/testing';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { createLogger } from '@streamhub/logger/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MediaNode, startMediaNode } from '../media-node.ts';
import { InMemoryPublishGate } from '../testing/in-memory-publish-gate.ts';
import { killPublishers, startPublisher, waitFor } from '../testing/process-helpers.ts';
import { namedFiles } from './live-output-upload.ts';

let server: TestS3Server;
let database: Database;
let dataDir: string;
let node: MediaNode | undefined;
let media: MediaStorage;
let prefix: string;
const gate = new InMemoryPublishGate();

beforeAll(async () => {
  [server, database] = await Promise.all([startTestS3Server(), createTestDatabase('pglite')]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), database?.close()]);
});
afterEach(async () => {
  killPublishers();
  await node?.close();
  node = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

async function startNode(): Promise<MediaNode> {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-live-s3-'));
  prefix = `live-${randomUUID().slice(0, 8)}`;
  const config = loadConfig(
    {
      STREAMHUB_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LIVE_LADDER: '360',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_WINDOW_SEGMENTS: '3',
      LIVE_RECONNECT_GRACE_SECONDS: '1',
      LIVE_X264_PRESET: 'ultrafast',
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: server.endpoint,
      S3_BUCKET: server.bucket,
      S3_PREFIX: prefix,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    { envFile: false },
  );
  media = createMediaStorage({ dataDir, storage: config.mediaStorage, db: database.db });
  node = await startMediaNode({
    config: { ...config, media: { ...config.media, rtmpPort: 0 } },
    logger: createLogger({ level: 'silent', name: 'media' }),
    gate,
    media,
  });
  return node;
}

/** What a viewer gets from the bucket's public URL (s3rver serves anonymous GETs, like a CDN origin). */
const fromBucket = (playbackId: string, name: string) =>
  fetch(`${server.bucketUrl}/${prefix}/live/${playbackId}/${name}`);

async function textFromBucket(playbackId: string, name: string): Promise<string | undefined> {
  const response = await fromBucket(playbackId, name);
  return response.ok ? response.text() : undefined;
}

describe('live HLS on S3 (real RTMP, ffmpeg, s3rver)', () => {
  it('uploads each segment before the playlist naming it, caches them apart and drops those leaving the window', async () => {
    const started = await startNode();
    const key = gate.addKey();
    startPublisher(`rtmp://127.0.0.1:${started.rtmpPort}/live/${key}`, 9, '640x360');
    const { playbackId } = await waitFor('a session', () => gate.issued.at(-1));

    const master = await waitFor('the master playlist in the bucket', () =>
      textFromBucket(playbackId, 'master.m3u8'),
    );
    expect(namedFiles('master.m3u8', master)).toEqual(['360p.m3u8']);
    const playlist = await fromBucket(playbackId, '360p.m3u8');
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');

    // A viewer polling the bucket never finds the newest segment of a playlist missing.
    const seen = new Set<string>();
    let missing = 0;
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const text = (await textFromBucket(playbackId, '360p.m3u8')) ?? '';
      const newest = namedFiles('360p.m3u8', text).at(-1);
      if (newest) {
        seen.add(newest);
        const segment = await fromBucket(playbackId, newest);
        if (segment.status !== 200) missing++;
        else {
          expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
          await segment.arrayBuffer();
        }
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(missing).toBe(0);
    expect(seen.size).toBeGreaterThanOrEqual(3);

    // The window is 3 segments: the first one left it and is gone from the bucket while still live.
    const first = [...seen].sort()[0] as string;
    await waitFor(
      'the first segment to leave the bucket',
      async () => (await fromBucket(playbackId, first)).status === 404,
    );
    expect(gate.endedCalls.filter((c) => c.sessionId === gate.issued.at(-1)?.sessionId)).toEqual([]);

    // Not recorded: after the end every object of the session goes, and the local copy too.
    await waitFor('the session to end', () => gate.endedCalls.length > 0, 20_000);
    await waitFor(
      'the bucket to be emptied',
      async () => (await media.list(mediaKeys.livePrefix(playbackId))).length === 0,
    );
    expect(await readdir(join(dataDir, 'media-scratch'))).toEqual([]);
  });

  it('keeps every segment of a recorded session and closes its playlist in the bucket', async () => {
    const started = await startNode();
    const key = gate.addKey({ record: true });
    const publisher = startPublisher(`rtmp://127.0.0.1:${started.rtmpPort}/live/${key}`, 5, '640x360');
    const session = await waitFor('a session', () => gate.issued.find((s) => s.record));
    expect(await publisher.exited).toBe(0);
    await waitFor(
      'the recorded end',
      () => gate.endedCalls.find((c) => c.sessionId === session.sessionId),
      20_000,
    );

    const playlist = (await textFromBucket(session.playbackId, '360p.m3u8')) ?? '';
    expect(playlist).toContain('#EXT-X-ENDLIST');
    const segments = namedFiles('360p.m3u8', playlist);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    expect(segments[0]).toBe('360p-000000.ts');
    for (const segment of segments) expect((await fromBucket(session.playbackId, segment)).status).toBe(200);
    expect(await readdir(join(dataDir, 'media-scratch'))).toEqual([]);
  });
});

describe('namedFiles', () => {
  it('lists media lines and URI attributes relative to the playlist, never outside the directory', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:1.0,',
      'seg-1.m4s',
      '#EXT-X-PART:DURATION=0.2,URI="seg-2.0.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-2.1.m4s"',
      'https://elsewhere.test/x.ts',
      '../../etc/passwd',
      '',
    ].join('\n');
    expect(namedFiles('720p/index.m3u8', text)).toEqual([
      '720p/init.mp4',
      '720p/seg-1.m4s',
      '720p/seg-2.0.m4s',
      '720p/seg-2.1.m4s',
    ]);
    expect(namedFiles('720p.m3u8', '#EXTINF:1,\n720p-000001.ts\n')).toEqual(['720p-000001.ts']);
  });
});
