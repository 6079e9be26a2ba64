/**
 * End-to-end: the real media node (node-media-server, ffmpeg) on a free port,
 * a real ffmpeg publisher pushing a synthetic 720p30 stream, and ffprobe on the output.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MediaNode, type MediaNodeOptions, startMediaNode } from './media-node.ts';
import { InMemoryPublishGate } from './testing/in-memory-publish-gate.ts';
import {
  cmdlineOf,
  descendantsOf,
  killPublishers,
  probe,
  publisherBitrate,
  startPublisher,
  waitFor,
} from './testing/process-helpers.ts';

let dataDir: string;
let node: MediaNode | undefined;
let gate: InMemoryPublishGate;
let logLines: string[];

async function startNode(
  graceSeconds: number,
  extra: Pick<MediaNodeOptions, 'authorizeTimeoutMs' | 'bitrateSampling'> = {},
  env: Record<string, string> = {},
): Promise<MediaNode> {
  const config = loadConfig(
    {
      ...env,
      STREAMHUB_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_WINDOW_SEGMENTS: '6',
      LIVE_RECONNECT_GRACE_SECONDS: String(graceSeconds),
      LIVE_X264_PRESET: 'ultrafast',
    },
    { envFile: false },
  );
  node = await startMediaNode({
    config: { ...config, media: { ...config.media, rtmpPort: 0 } },
    logger: createLogger({
      level: 'debug',
      name: 'media',
      destination: { write: (line: string) => logLines.push(line) },
    }),
    gate,
    media: createMediaStorage({ dataDir: config.dataDir }),
    ...extra,
  });
  return node;
}

/** The playback ids with files under the live collection. */
const liveEntries = () => readdir(mediaPaths(dataDir).collection('live')).catch(() => [] as string[]);
const rtmpUrl = (key: string) => `rtmp://127.0.0.1:${node?.rtmpPort}/live/${key}`;

async function readIf(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

const segmentsOf = (playlist: string) => playlist.split('\n').filter((l) => l.endsWith('.ts'));

// What the test publisher sends, bits per second: the reference for the ingest bitrate measurement.
let reference: number;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-reference-'));
  reference = await publisherBitrate(join(dir, 'reference.flv'), 6);
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-'));
  gate = new InMemoryPublishGate();
  logLines = [];
});

afterEach(async () => {
  killPublishers();
  await node?.close();
  node = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('media node (real RTMP + ffmpeg)', () => {
  it('turns an accepted publish into a 720/480/360 HLS ladder, measures its bitrate, then ends the session and deletes its files', async () => {
    const started = await startNode(1, { bitrateSampling: { firstMs: 2500, everyMs: 60_000 } });
    const key = gate.addKey();
    const playable = new Promise<number>((resolve) =>
      started.events.once('playable', (v) => resolve(v.elapsedMs)),
    );
    const sampled = new Promise<number>((resolve) =>
      started.events.once('ingestBitrate', (v) => resolve(v.bitrate)),
    );
    const publisher = startPublisher(rtmpUrl(key), 6);

    const session = await waitFor('a session to be issued', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    const master = await waitFor('the master playlist with 3 variants', async () => {
      const text = await readIf(join(dir, 'master.m3u8'));
      return text && (text.match(/#EXT-X-STREAM-INF/g) ?? []).length === 3 ? text : undefined;
    });
    // ffmpeg writes BANDWIDTH, RESOLUTION and CODECS for each variant; 1080 is above the source and skipped.
    const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)/g)].map((m) => ({
      attrs: m[1] ?? '',
      uri: m[2] ?? '',
    }));
    expect(variants.map((v) => v.uri)).toEqual(['720p.m3u8', '480p.m3u8', '360p.m3u8']);
    expect(variants.map((v) => /RESOLUTION=(\d+x\d+)/.exec(v.attrs)?.[1])).toEqual([
      '1280x720',
      '854x480',
      '640x360',
    ]);
    for (const v of variants) {
      expect(Number(/BANDWIDTH=(\d+)/.exec(v.attrs)?.[1])).toBeGreaterThan(300_000);
      expect(v.attrs).toMatch(/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    }
    expect(await playable).toBeLessThan(8000);
    // The secret key appears in no file name or playlist.
    const files = await readdir(dir);
    expect(files.join('\n')).not.toContain(key);
    expect(master).not.toContain(key);
    expect(logLines.some((l) => l.includes('live HLS playable'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(key);

    // Segments decode (copied while live: the files go with the session, which is not recorded).
    const copies: { uri: string; path: string }[] = [];
    for (const v of variants) {
      const segments = await waitFor(`3 segments in ${v.uri}`, async () => {
        const found = segmentsOf((await readIf(join(dir, v.uri))) ?? '');
        return found.length >= 3 ? found : undefined;
      });
      expect((await readIf(join(dir, v.uri))) ?? '').toContain('#EXT-X-TARGETDURATION:1');
      const path = join(dataDir, `copy-${v.uri}.ts`);
      await copyFile(join(dir, segments.at(-1) ?? ''), path);
      copies.push({ uri: v.uri, path });
    }
    for (const { uri, path } of copies) {
      const probed = await probe(path);
      const video = probed.streams.find((s) => s.codec_type === 'video');
      const audio = probed.streams.find((s) => s.codec_type === 'audio');
      expect(video).toMatchObject({ codec_name: 'h264', height: Number(uri.replace('p.m3u8', '')) });
      expect(Number(video?.nb_read_frames)).toBeGreaterThan(0);
      expect(audio?.codec_name).toBe('aac');
    }

    // The running average a few seconds in is near what the publisher sends (x264 ultrafast 720p30 + AAC).
    const early = await sampled;
    expect(early).toBeGreaterThan(reference * 0.5);
    expect(early).toBeLessThan(reference * 1.5);

    const ended = new Promise<{ cause: string; bitrate: number | undefined }>((resolve) =>
      started.events.once('sessionEnded', resolve),
    );
    expect(await publisher.exited).toBe(0);
    await waitFor('gate.ended after the grace window', () => gate.endedCalls.length === 1, 10_000);
    expect(gate.endedCalls).toEqual([
      { sessionId: session.sessionId, recorded: false, bitrate: expect.any(Number) },
    ]);
    // The whole session's average: the bytes the socket received over the time the publisher was connected.
    const bitrate = gate.endedCalls[0]?.bitrate ?? 0;
    expect(bitrate).toBeGreaterThan(reference * 0.85);
    expect(bitrate).toBeLessThan(reference * 1.15);
    expect(await ended).toMatchObject({ cause: 'publisher-left', bitrate });
    // Marked ended first (playback answers 404), then the unrecorded session's files are deleted.
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps the stream key out of every process argument, file name, playlist and log line', async () => {
    const started = await startNode(1);
    const key = gate.addKey({ record: true });
    const playable = new Promise<void>((resolve) => started.events.once('playable', () => resolve()));
    const publisher = startPublisher(rtmpUrl(key), 30);
    const session = await waitFor('a session to be issued', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await playable;
    // The media node runs in this process: its children are ours, but for the publisher (OBS's place).
    const children = descendantsOf(process.pid).filter((pid) => pid !== publisher.child.pid);
    const ladder = children.filter((pid) => cmdlineOf(pid)?.includes(dir));
    expect(ladder).toHaveLength(1);
    expect(cmdlineOf(ladder[0] as number)).toMatch(/-i rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]{24} /);
    for (const pid of children) {
      expect(cmdlineOf(pid) ?? '', `process ${pid}`).not.toContain(key);
      expect(await readIf(`/proc/${pid}/environ`), `environment of ${pid}`).not.toContain(key);
    }
    // A recording keeps every file: names and playlists, live and after the end.
    const check = async () => {
      const names = await readdir(dir, { recursive: true });
      expect(names.length).toBeGreaterThan(3);
      for (const name of names) {
        expect(name).not.toContain(key);
        if (name.endsWith('.m3u8')) expect(await readIf(join(dir, name))).not.toContain(key);
      }
    };
    await check();
    const ended = new Promise<void>((resolve) => started.events.once('sessionEnded', () => resolve()));
    publisher.child.kill('SIGINT');
    await ended;
    await check();
    expect(logLines.join('\n')).not.toContain(key);
  });

  it('refuses an unknown key: the publisher fails and nothing is written', async () => {
    const started = await startNode(1);
    const refused = new Promise<string>((resolve) =>
      started.events.once('publishRefused', (r) => resolve(r.reason)),
    );
    const publisher = startPublisher(rtmpUrl('not-a-real-key'), 5);
    expect(await publisher.exited).not.toBe(0);
    expect(await refused).toBe('unknown stream key');
    expect(gate.issued).toHaveLength(0);
    expect(await liveEntries()).toEqual([]);
    expect(gate.endedCalls).toEqual([]);
  });

  it('refuses when the gate does not answer in time, and closes the session a late answer opened', async () => {
    const key = gate.addKey();
    gate.authorizeDelayMs = 800;
    const started = await startNode(1, { authorizeTimeoutMs: 200 });
    const refused = new Promise<string>((resolve) =>
      started.events.once('publishRefused', (r) => resolve(r.reason)),
    );
    const publisher = startPublisher(rtmpUrl(key), 5);
    expect(await refused).toBe('publish check timed out');
    expect(await publisher.exited).not.toBe(0);
    await waitFor('the late session to be ended', () => gate.endedCalls.length === 1, 5000);
    expect(gate.endedCalls[0]?.sessionId).toBe(gate.issued[0]?.sessionId);
    expect(await liveEntries()).toEqual([]);
  });

  it('refuses a revoked key', async () => {
    await startNode(1);
    const key = gate.addKey();
    gate.revoke(key);
    const publisher = startPublisher(rtmpUrl(key), 5);
    expect(await publisher.exited).not.toBe(0);
    expect(gate.authorizeResults).toEqual([{ ok: false, reason: 'stream key revoked' }]);
    expect(logLines.some((l) => l.includes('publish refused'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(key);
    expect(await liveEntries()).toEqual([]);
  });

  it('keeps the session when the publisher reconnects inside the grace window', async () => {
    const started = await startNode(4);
    const key = gate.addKey();
    const first = startPublisher(rtmpUrl(key), 3);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      'first playable',
      () => started.events.sessions()[0]?.state === 'live' && readIf(join(dir, '360p.m3u8')),
    );
    expect(await first.exited).toBe(0);
    await waitFor('the node to see the publisher leave', () =>
      started.events.sessions()[0]?.state === 'reconnect-grace' ? true : undefined,
    );

    const resumed = new Promise<string>((resolve) =>
      started.events.once('sessionResumed', (v) => resolve(v.playbackId)),
    );
    const second = startPublisher(rtmpUrl(key), 3);
    expect(await resumed).toBe(session.playbackId);
    // The same playlists continue after a discontinuity.
    await waitFor(
      'a discontinuity in the 720p playlist',
      async () => (await readIf(join(dir, '720p.m3u8')))?.includes('#EXT-X-DISCONTINUITY'),
      10_000,
    );
    expect(gate.endedCalls).toEqual([]);
    // Emitted once the unrecorded session's files are deleted, which follows gate.ended.
    const sessionEnded = new Promise<void>((resolve) => started.events.once('sessionEnded', () => resolve()));
    expect(await second.exited).toBe(0);
    await waitFor('gate.ended after the grace window', () => gate.endedCalls.length === 1, 10_000);
    expect(gate.endedCalls).toMatchObject([{ sessionId: session.sessionId, recorded: false }]);
    expect(gate.issued).toHaveLength(1);
    expect(gate.authorizeResults).toHaveLength(1);
    await sessionEnded;
    expect(existsSync(dir)).toBe(false);
  });
});

describe('media node resilience and recording', () => {
  it('restarts ffmpeg with back-off when it dies while the publisher is connected', async () => {
    const started = await startNode(1);
    const key = gate.addKey();
    const attempts: { pid: number | undefined; attempt: number }[] = [];
    started.events.on('transcoderStarted', (t) => attempts.push({ pid: t.pid, attempt: t.attempt }));
    const publisher = startPublisher(rtmpUrl(key), 7);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      '720p segments',
      async () => segmentsOf((await readIf(join(dir, '720p.m3u8'))) ?? '').length >= 1,
    );
    const firstPid = attempts[0]?.pid;
    expect(firstPid).toBeGreaterThan(0);
    process.kill(firstPid as number, 'SIGKILL');
    await waitFor('a second ffmpeg', () => attempts.find((a) => a.attempt === 2), 10_000);
    await waitFor(
      'the restarted ffmpeg to continue the playlist',
      async () => (await readIf(join(dir, '720p.m3u8')))?.includes('#EXT-X-DISCONTINUITY'),
      10_000,
    );
    expect(gate.endedCalls).toEqual([]);
    publisher.child.kill('SIGKILL');
    await waitFor('gate.ended', () => gate.endedCalls.length === 1, 10_000);
    expect(gate.issued).toHaveLength(1);
    expect(logLines.some((l) => l.includes('ffmpeg exited while live; restarting'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(key);
  });

  it('records: keeps every segment in an EVENT playlist, closed with ENDLIST, even when the publisher is SIGKILLed', async () => {
    await startNode(1);
    const key = gate.addKey({ record: true });
    const publisher = startPublisher(rtmpUrl(key), 30);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      '3 segments in 360p',
      async () => segmentsOf((await readIf(join(dir, '360p.m3u8'))) ?? '').length >= 3,
    );
    publisher.child.kill('SIGKILL');
    await waitFor('gate.ended', () => gate.endedCalls.length === 1, 10_000);
    expect(gate.endedCalls).toMatchObject([{ sessionId: session.sessionId, recorded: true }]);
    const playlist = (await readIf(join(dir, '360p.m3u8'))) ?? '';
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(playlist.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    const segments = segmentsOf(playlist);
    expect(segments[0]).toBe('360p-000000.ts');
    for (const s of segments) expect(existsSync(join(dir, s))).toBe(true);
  });

  it('passthrough remuxes the source into one variant', async () => {
    const config = loadConfig(
      {
        STREAMHUB_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        LIVE_LADDER: 'passthrough',
        LIVE_SEGMENT_SECONDS: '1',
      },
      { envFile: false },
    );
    node = await startMediaNode({
      config: { ...config, media: { ...config.media, rtmpPort: 0, reconnectGraceSeconds: 1 } },
      logger: createLogger({ level: 'silent', name: 'media' }),
      gate,
      media: createMediaStorage({ dataDir: config.dataDir }),
    });
    const key = gate.addKey();
    startPublisher(rtmpUrl(key), 4);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    const master = await waitFor('master', async () => {
      const text = await readIf(join(dir, 'master.m3u8'));
      return text?.includes('source.m3u8') ? text : undefined;
    });
    expect(master).toMatch(/RESOLUTION=1280x720/);
    const segment = await waitFor(
      'a source segment',
      async () => segmentsOf((await readIf(join(dir, 'source.m3u8'))) ?? '')[0],
    );
    const probed = await probe(join(dir, segment));
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      height: 720,
    });
  });

  it('close() while live stops ffmpeg, closes the playlists and ends the session, keeping a recording', async () => {
    const started = await startNode(30);
    const key = gate.addKey({ record: true });
    const pids: number[] = [];
    started.events.on('transcoderStarted', (t) => {
      if (t.pid) pids.push(t.pid);
    });
    const publisher = startPublisher(rtmpUrl(key), 30);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      'a 360p segment',
      async () => segmentsOf((await readIf(join(dir, '360p.m3u8'))) ?? '').length >= 1,
    );
    await started.close();
    node = undefined;
    expect(gate.endedCalls).toMatchObject([{ sessionId: session.sessionId, recorded: true }]);
    expect((await readIf(join(dir, '720p.m3u8'))) ?? '').toContain('#EXT-X-ENDLIST');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(await publisher.exited).not.toBe(0);
  });
});

describe('media node: cutting broadcasts and cleaning up after a crash', () => {
  it('terminate() disconnects the publisher and ends the session at once, without the grace window', async () => {
    const started = await startNode(30);
    const key = gate.addKey();
    const publisher = startPublisher(rtmpUrl(key), 30);
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      'playable',
      async () => segmentsOf((await readIf(join(dir, '360p.m3u8'))) ?? '').length >= 1,
    );
    const ended = new Promise<{ cause: string; terminationReason: string | undefined }>((resolve) =>
      started.events.once('sessionEnded', resolve),
    );

    const cutAt = Date.now();
    // What the channels service does when it hears user.suspended for the channel's owner.
    await gate.requestTermination(session.sessionId, 'owner_suspended');
    expect(await ended).toMatchObject({ cause: 'terminated', terminationReason: 'owner_suspended' });
    expect(await publisher.exited).not.toBe(0);
    // Well inside the 30 s grace window: ffmpeg stops, the session ends, its files go.
    expect(Date.now() - cutAt).toBeLessThan(8000);
    expect(gate.endedCalls).toMatchObject([{ sessionId: session.sessionId, recorded: false }]);
    expect(started.events.sessions()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(logLines.some((l) => l.includes('terminating live session'))).toBe(true);
    // A session this node does not hold is not its business.
    expect(await started.terminate(session.sessionId, 'owner_suspended')).toBe(false);
  });

  it('terminate() inside the reconnect grace window ends the session at once; the key cannot resume it', async () => {
    const started = await startNode(30);
    const key = gate.addKey();
    const publisher = startPublisher(rtmpUrl(key), 3);
    const session = await waitFor('a session', () => gate.issued[0]);
    expect(await publisher.exited).toBe(0);
    await waitFor(
      'the reconnect grace window',
      () => started.events.sessions()[0]?.state === 'reconnect-grace',
    );
    // E.g. the key was revoked while OBS was reconnecting: no reconnect may continue this session.
    expect(await started.terminate(session.sessionId, 'key_revoked')).toBe(true);
    expect(gate.endedCalls).toMatchObject([{ sessionId: session.sessionId, recorded: false }]);
    expect(started.events.sessions()).toEqual([]);
    expect(existsSync(mediaPaths(dataDir).live(session.playbackId))).toBe(false);
    gate.revoke(key);
    expect(await startPublisher(rtmpUrl(key), 3).exited).not.toBe(0);
    expect(gate.authorizeResults.at(-1)).toEqual({ ok: false, reason: 'stream key revoked' });
  });

  it('refuses a publish whose session was terminated while its key was being checked', async () => {
    const started = await startNode(30);
    const key = gate.addKey();
    const authorize = gate.authorize.bind(gate);
    // The termination arrives between the channels service opening the session and the node registering it.
    gate.authorize = async (streamKey, context) => {
      const result = await authorize(streamKey, context);
      if (result.ok) expect(await started.terminate(result.sessionId, 'owner_suspended')).toBe(false);
      return result;
    };
    const refused = new Promise<string>((resolve) =>
      started.events.once('publishRefused', (r) => resolve(r.reason)),
    );
    const publisher = startPublisher(rtmpUrl(key), 5);
    expect(await refused).toBe('the session was terminated while the publish was being checked');
    expect(await publisher.exited).not.toBe(0);
    await waitFor('the opened session to be ended', () => gate.endedCalls.length === 1);
    expect(gate.endedCalls).toEqual([{ sessionId: gate.issued[0]?.sessionId, recorded: false }]);
    expect(await liveEntries()).toEqual([]);
  });

  it('on start, ends the sessions a crash left live under its id and deletes only proven leftovers', async () => {
    const liveDir = mediaPaths(dataDir).collection('live');
    const fakeOutput = async (playbackId: string, playlist = '#EXTM3U\n#EXTINF:1.0,\n720p-000000.ts\n') => {
      await mkdir(join(liveDir, playbackId), { recursive: true });
      await writeFile(join(liveDir, playbackId, '720p.m3u8'), playlist);
      await writeFile(join(liveDir, playbackId, '720p-000000.ts'), 'segment');
    };
    // Left live by this node's previous run: one plain, one recording.
    const crashedPlain = gate.openSession({ nodeId: 'node-a' });
    const crashedRecording = gate.openSession({ nodeId: 'node-a', record: true });
    const crashedRecordingNoFiles = gate.openSession({ nodeId: 'node-a', record: true });
    // Live on another node: not ours to end.
    const otherNode = gate.openSession({ nodeId: 'node-b' });
    // Over: one unrecorded (its files are garbage), one recorded (its files are the recording).
    const endedPlain = gate.openSession({ nodeId: 'node-b' });
    const endedRecording = gate.openSession({ nodeId: 'node-b', record: true });
    await gate.ended(endedPlain.sessionId, { recorded: false });
    await gate.ended(endedRecording.sessionId, { recorded: true });
    gate.endedCalls.length = 0;
    for (const s of [crashedPlain, crashedRecording, otherNode, endedPlain, endedRecording]) {
      await fakeOutput(s.playbackId);
    }
    // Unknown to the channels domain, and not a playback id at all: kept, nothing proves them garbage.
    await fakeOutput('unknownPlaybackId1');
    await mkdir(join(liveDir, 'not a playback id'), { recursive: true });

    // MEDIA_NODE_ID, as a container whose hostname changed since the crash would set it.
    const started = await startNode(1, {}, { MEDIA_NODE_ID: 'node-a' });
    expect(started.nodeId).toBe('node-a');
    expect(gate.endedCalls.sort((a, b) => a.sessionId.localeCompare(b.sessionId))).toEqual(
      [
        { sessionId: crashedPlain.sessionId, recorded: false },
        { sessionId: crashedRecording.sessionId, recorded: true },
        { sessionId: crashedRecordingNoFiles.sessionId, recorded: false },
      ].sort((a, b) => a.sessionId.localeCompare(b.sessionId)),
    );
    expect((await readdir(liveDir)).sort()).toEqual(
      [
        crashedRecording.playbackId,
        otherNode.playbackId,
        endedRecording.playbackId,
        'unknownPlaybackId1',
        'not a playback id',
      ].sort(),
    );
    // The crashed recording is closed, so it is a complete VOD playlist.
    expect(await readIf(join(liveDir, crashedRecording.playbackId, '720p.m3u8'))).toContain('#EXT-X-ENDLIST');
    expect(await readIf(join(liveDir, otherNode.playbackId, '720p.m3u8'))).not.toContain('#EXT-X-ENDLIST');
    expect(await gate.heldSessions('node-a')).toEqual([]);
    expect(await gate.heldSessions('node-b')).toHaveLength(1);

    // The channel whose session was stuck can broadcast again.
    const key = gate.addKey({ channelId: crashedPlain.channelId });
    startPublisher(rtmpUrl(key), 3, '320x240');
    await waitFor('a new session', () =>
      gate.issued.find((s) => s.channelId === crashedPlain.channelId && s !== crashedPlain),
    );
  });

  it("a node started without a fixed id takes a fresh one and touches no other node's sessions", async () => {
    const other = gate.openSession({ nodeId: 'node-b' });
    const started = await startNode(1);
    expect(started.nodeId).not.toBe('node-b');
    expect(gate.endedCalls).toEqual([]);
    expect(await gate.heldSessions('node-b')).toEqual([
      { sessionId: other.sessionId, playbackId: other.playbackId, record: false },
    ]);
  });
});
