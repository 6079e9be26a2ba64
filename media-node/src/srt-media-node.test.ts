/**
 * SRT ingest end to end: the real media node with SRT on a free UDP port, real ffmpeg callers with a
 * good and a bad stream id, the ladder's playlists and segments on disk, and the RTMP life cycle
 * (recording, reconnect grace window, cut on revoke) for an SRT publisher.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MediaNode, startMediaNode } from './media-node.ts';
import { InMemoryPublishGate } from './testing/in-memory-publish-gate.ts';
import { probe, waitFor } from './testing/process-helpers.ts';
import { killSrtPublishers, startSrtPublisher } from './testing/srt-publisher.ts';

let dataDir: string;
let node: MediaNode | undefined;
let gate: InMemoryPublishGate;

async function startNode(
  graceSeconds: number,
  env: Record<string, string> = {},
): Promise<MediaNode & { srtPort: number }> {
  const config = loadConfig(
    {
      ...env,
      STREAMHUB_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LIVE_LADDER: '360',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_RECONNECT_GRACE_SECONDS: String(graceSeconds),
      LIVE_X264_PRESET: 'ultrafast',
    },
    { envFile: false },
  );
  const started = await startMediaNode({
    config: { ...config, media: { ...config.media, rtmpPort: 0 } },
    srtPort: 0,
    logger: createLogger({ level: 'silent', name: 'media' }),
    gate,
    media: createMediaStorage({ dataDir: config.dataDir }),
  });
  node = started;
  const srtPort = started.srtPort;
  if (srtPort === undefined) throw new Error('SRT ingest did not start');
  return { ...started, srtPort };
}

const liveEntries = () => readdir(mediaPaths(dataDir).collection('live')).catch(() => [] as string[]);
const readIf = (path: string) => readFile(path, 'utf8').catch(() => undefined);
const segmentsOf = (playlist: string) => playlist.split('\n').filter((l) => l.endsWith('.ts'));

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-srt-'));
  gate = new InMemoryPublishGate();
});

afterEach(async () => {
  killSrtPublishers();
  await node?.close();
  node = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('media node SRT ingest (real ffmpeg callers)', () => {
  it('refuses a bad stream key before any file is written, then takes a good one into the ladder', async () => {
    const started = await startNode(1);
    const refused = new Promise<string>((resolve) =>
      started.events.once('publishRefused', (r) => resolve(r.reason)),
    );
    const bad = startSrtPublisher(started.srtPort, '#!::r=live/not-a-real-key,m=publish', 5);
    expect(await bad.exited).not.toBe(0);
    expect(await refused).toBe('unknown stream key');
    expect(gate.issued).toHaveLength(0);
    expect(await liveEntries()).toEqual([]);

    const key = gate.addKey({ record: true });
    const good = startSrtPublisher(started.srtPort, `#!::r=live/${key},m=publish`, 5);
    const session = await waitFor('a session to be issued', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    const segments = await waitFor('two 360p segments', async () => {
      const found = segmentsOf((await readIf(join(dir, '360p.m3u8'))) ?? '');
      return found.length >= 2 ? found : undefined;
    });
    const probed = await probe(join(dir, segments[0] ?? ''));
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      height: 360,
    });
    expect(probed.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    expect(await good.exited).toBe(0);
    await waitFor('gate.ended after the grace window', () => gate.endedCalls.length === 1, 15_000);
    expect(gate.endedCalls).toMatchObject([{ sessionId: session.sessionId, recorded: true }]);
    expect(await readIf(join(dir, '360p.m3u8'))).toContain('#EXT-X-ENDLIST');
  }, 60_000);

  it('with SRT_PASSPHRASE: refuses a clear caller, a wrong passphrase or key length and a bad key before any file; the right ones reach the ladder', async () => {
    const passphrase = 'correct horse battery staple';
    const started = await startNode(1, { SRT_PASSPHRASE: passphrase, SRT_PBKEYLEN: '32' });
    const refusals: string[] = [];
    started.events.on('publishRefused', (r) => refusals.push(r.reason));
    // Recorded, so that the files stay while the test reads them even if a loaded machine is slow.
    const key = gate.addKey({ record: true });
    const streamId = `#!::r=live/${key},m=publish`;
    // Refused in the handshake by the front, before the gate is asked, with the rejection libsrt names:
    // SRT_REJ_UNSECURE for a clear caller, SRT_REJ_BADSECRET for a wrong passphrase or key length.
    for (const [encryption, reason] of [
      [undefined, /Password required or unexpected/],
      [{ passphrase: 'wrong horse battery staple', pbkeylen: 32 }, /Incorrect passphrase/],
      [{ passphrase, pbkeylen: 16 }, /Incorrect passphrase/],
    ] as const) {
      const refused = startSrtPublisher(started.srtPort, streamId, 5, encryption);
      expect(await refused.exited).not.toBe(0);
      expect(refused.stderr()).toMatch(reason);
    }
    expect(gate.authorizeResults).toHaveLength(0);
    // The right passphrase with a bad stream key: the gate refuses it, and nothing is written.
    const badKey = startSrtPublisher(started.srtPort, '#!::r=live/not-a-real-key,m=publish', 5, {
      passphrase,
      pbkeylen: 32,
    });
    expect(await badKey.exited).not.toBe(0);
    await waitFor('the refusal', () => refusals.includes('unknown stream key'));
    expect(gate.issued).toHaveLength(0);
    expect(await liveEntries()).toEqual([]);

    const good = startSrtPublisher(started.srtPort, streamId, 10, { passphrase, pbkeylen: 32 });
    const session = await waitFor('a session to be issued', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    const segments = await waitFor(
      'two 360p segments',
      async () => {
        const found = segmentsOf((await readIf(join(dir, '360p.m3u8'))) ?? '');
        return found.length >= 2 ? found : undefined;
      },
      30_000,
    );
    const probed = await probe(join(dir, segments[0] ?? ''));
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    expect(Number(probed.streams.find((s) => s.codec_type === 'video')?.nb_read_frames)).toBeGreaterThan(0);
    expect(await good.exited).toBe(0);
  }, 90_000);

  it('resumes the session when the SRT publisher reconnects inside the grace window', async () => {
    const started = await startNode(5);
    const key = gate.addKey();
    const first = startSrtPublisher(started.srtPort, key, 3);
    const session = await waitFor('a session', () => gate.issued[0]);
    expect(await first.exited).toBe(0);
    await waitFor('the grace window', () => started.events.sessions()[0]?.state === 'reconnect-grace');
    const resumed = new Promise<string>((resolve) =>
      started.events.once('sessionResumed', (v) => resolve(v.playbackId)),
    );
    const second = startSrtPublisher(started.srtPort, key, 3);
    expect(await resumed).toBe(session.playbackId);
    expect(await second.exited).toBe(0);
    expect(gate.issued).toHaveLength(1);
  }, 60_000);

  it('a revoked key cuts the SRT publisher at once', async () => {
    const started = await startNode(30);
    const key = gate.addKey();
    const publisher = startSrtPublisher(started.srtPort, key, 30);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      'playable',
      async () => segmentsOf((await readIf(join(dir, '360p.m3u8'))) ?? '').length >= 1,
    );
    const ended = new Promise<{ cause: string }>((resolve) => started.events.once('sessionEnded', resolve));
    const cutAt = Date.now();
    await gate.requestTermination(session.sessionId, 'key_revoked');
    expect(await ended).toMatchObject({ cause: 'terminated' });
    expect(await publisher.exited).not.toBe(0);
    expect(Date.now() - cutAt).toBeLessThan(8000);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});
