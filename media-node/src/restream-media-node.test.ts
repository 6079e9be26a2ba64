/**
 * Restreaming end to end: the real media node forwards a live publish to two local RTMP listeners
 * (`ffmpeg -listen 1`, standing in for YouTube and Twitch). One listener is killed and restarted: its
 * forward fails, retries with back-off and delivers again, while the other forward and the ladder never stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MediaNode, startMediaNode } from './media-node.ts';
import { InMemoryPublishGate } from './testing/in-memory-publish-gate.ts';
import { InMemoryRestreamTargets } from './testing/in-memory-restream-targets.ts';
import { killPublishers, probe, startPublisher, waitFor } from './testing/process-helpers.ts';

let dataDir: string;
let node: MediaNode | undefined;
const listeners = new Set<ChildProcess>();

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

/** An RTMP server that takes one publish and writes it to `file` (what a platform's ingest does). */
function startListener(port: number, streamKey: string, file: string): ChildProcess {
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-listen', '1'],
      ...['-i', `rtmp://127.0.0.1:${port}/live/${streamKey}`, '-c', 'copy', '-f', 'flv', '-y', file],
    ],
    { stdio: 'ignore' },
  );
  listeners.add(child);
  child.once('exit', () => listeners.delete(child));
  return child;
}

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );
const readIf = (path: string) => readFile(path, 'utf8').catch(() => undefined);
const segmentsIn = async (playlist: string) =>
  ((await readIf(playlist)) ?? '').split('\n').filter((l) => l.endsWith('.ts')).length;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-restream-'));
});

afterEach(async () => {
  killPublishers();
  for (const child of listeners) child.kill('SIGKILL');
  await node?.close();
  node = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('media node restreaming (real ffmpeg RTMP listeners as destinations)', () => {
  it('a destination that goes down and comes back receives the stream again; the other and the ladder never stop', async () => {
    const gate = new InMemoryPublishGate();
    const targets = new InMemoryRestreamTargets();
    const [portA, portB] = [await freePort(), await freePort()];
    targets.add({ id: 'dest-a', url: `rtmp://127.0.0.1:${portA}/live/secretA_123`, secret: 'secretA_123' });
    targets.add({ id: 'dest-b', url: `rtmp://127.0.0.1:${portB}/live/secretB_456`, secret: 'secretB_456' });
    const fileA1 = join(dataDir, 'a1.flv');
    const fileA2 = join(dataDir, 'a2.flv');
    const fileB = join(dataDir, 'b.flv');
    const listenerA = startListener(portA, 'secretA_123', fileA1);
    startListener(portB, 'secretB_456', fileB);

    const config = loadConfig(
      {
        STREAMHUB_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        LIVE_LADDER: '360',
        LIVE_SEGMENT_SECONDS: '1',
        LIVE_RECONNECT_GRACE_SECONDS: '1',
        LIVE_X264_PRESET: 'ultrafast',
      },
      { envFile: false },
    );
    const logLines: string[] = [];
    node = await startMediaNode({
      config: { ...config, media: { ...config.media, rtmpPort: 0 } },
      logger: createLogger({
        level: 'debug',
        name: 'media',
        destination: { write: (line: string) => logLines.push(line) },
      }),
      gate,
      media: createMediaStorage({ dataDir: config.dataDir }),
      restream: targets,
      restreamBackoff: { initialMs: 200, maxMs: 1000 },
    });
    const key = gate.addKey();
    startPublisher(`rtmp://127.0.0.1:${node.rtmpPort}/live/${key}`, 40);
    const session = await waitFor('a session', () => gate.issued[0]);
    const playlist = join(mediaPaths(dataDir).live(session.playbackId), '360p.m3u8');

    await waitFor(
      'both destinations live',
      () => targets.statesOf('dest-a').includes('live') && targets.statesOf('dest-b').includes('live'),
    );
    await waitFor(
      'media at both destinations',
      async () => (await sizeOf(fileA1)) > 100_000 && (await sizeOf(fileB)) > 100_000,
    );

    // Destination A goes down: its forward fails and retries, with the failure's reason.
    listenerA.kill('SIGKILL');
    await waitFor('A failed', () => targets.statesOf('dest-a').includes('failed'));
    const failure = targets.statuses.find((s) => s.destinationId === 'dest-a' && s.state === 'failed');
    expect(failure?.reason).toBeTruthy();
    await waitFor(
      'A retried while down',
      () => targets.statesOf('dest-a').filter((s) => s === 'failed').length >= 2,
    );
    const bBytesWhileADown = await sizeOf(fileB);
    const segmentsWhileADown = await segmentsIn(playlist);

    // A comes back on the same port: the next retry delivers the stream again.
    const liveBefore = targets.statesOf('dest-a').filter((s) => s === 'live').length;
    startListener(portA, 'secretA_123', fileA2);
    await waitFor(
      'A live again',
      () => targets.statesOf('dest-a').filter((s) => s === 'live').length > liveBefore,
      20_000,
    );
    await waitFor('media at A again', async () => (await sizeOf(fileA2)) > 100_000, 20_000);
    const probed = await probe(fileA2);
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      width: 1280,
    });
    expect(Number(probed.streams.find((s) => s.codec_type === 'video')?.nb_read_frames)).toBeGreaterThan(10);

    // B never stopped: one attempt, never failed, still receiving; the ladder kept writing segments.
    expect(targets.statesOf('dest-b')).toEqual(['connecting', 'live']);
    expect(await sizeOf(fileB)).toBeGreaterThan(bBytesWhileADown);
    expect(await segmentsIn(playlist)).toBeGreaterThan(segmentsWhileADown);
    // Keys are never logged, nor in any status reason.
    const text = logLines.join('\n') + JSON.stringify(targets.statuses);
    expect(text).not.toContain('secretA_123');
    expect(text).not.toContain('secretB_456');

    // The publisher leaves: every destination goes offline.
    killPublishers();
    await waitFor('both offline', () =>
      ['dest-a', 'dest-b'].every((id) => targets.statesOf(id).at(-1) === 'offline'),
    );
  }, 90_000);
});
