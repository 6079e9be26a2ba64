/**
 * LL-HLS chosen per channel, end to end: one real media node (LIVE_LL_HLS=optional), real ffmpeg
 * publishers, the files it writes read back. A channel that asks for LL-HLS gets fMP4 parts and LL
 * playlists while another one, on the same node at the same time, gets classic MPEG-TS HLS; and an LL
 * broadcast that is recorded keeps its live thumbnail, ends as a complete recording and becomes a VOD
 * through the same `video.process` job as any recording, whose output ffmpeg decodes.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@streamhub/config/config';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { filesystemMediaPath } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { createLogger } from '@streamhub/logger/logger';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateFfmpeg } from './ffmpeg/locate.ts';
import type { LiveSessionView } from './live/live-manager.ts';
import { type MediaNode, startMediaNode } from './media-node.ts';
import { InMemoryPublishGate } from './testing/in-memory-publish-gate.ts';
import { killPublishers, probe, startPublisher, waitFor } from './testing/process-helpers.ts';
import { processVideo } from './vod/process-video.ts';
import { MemoryVideoProcessingStore } from './vod/testing/memory-video-processing-store.ts';

let dataDir: string;
let node: MediaNode | undefined;
let gate: InMemoryPublishGate;

async function startNode(mode: string): Promise<MediaNode> {
  const config = loadConfig(
    {
      STREAMHUB_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LIVE_LADDER: '360,240',
      LIVE_SEGMENT_SECONDS: '1',
      LIVE_RECONNECT_GRACE_SECONDS: '1',
      LIVE_THUMBNAIL_SECONDS: '1',
      LIVE_X264_PRESET: 'ultrafast',
      LIVE_LL_HLS: mode,
    },
    { envFile: false },
  );
  node = await startMediaNode({
    config: { ...config, media: { ...config.media, rtmpPort: 0 } },
    logger: createLogger({ level: 'silent', name: 'media' }),
    gate,
    media: createMediaStorage({ dataDir: config.dataDir }),
  });
  return node;
}

const rtmpUrl = (key: string) => `rtmp://127.0.0.1:${node?.rtmpPort}/live/${key}`;
const readIf = (path: string) => readFile(path, 'utf8').catch(() => '');
const countOf = (text: string, tag: string) => text.split('\n').filter((l) => l.startsWith(tag)).length;

function ffmpegDecodes(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-v', 'error', '-nostdin', '-i', input, '-map', '0', '-f', 'null', '-'],
      { timeout: 60_000 },
      (error, _out, stderr) => (error ? reject(new Error(String(stderr) || error.message)) : resolve(stderr)),
    );
  });
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-ll-channel-'));
  gate = new InMemoryPublishGate();
});

afterEach(async () => {
  killPublishers();
  await node?.close();
  node = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('LL-HLS per channel', () => {
  it('packages the channel that asks for LL-HLS as fMP4 parts, and the one that does not as classic HLS, on one node', async () => {
    await startNode('optional');
    const started: LiveSessionView[] = [];
    node?.events.on('sessionStarted', (view) => started.push(view));
    const llKey = gate.addKey({ lowLatency: true });
    const classicKey = gate.addKey({ lowLatency: null });
    startPublisher(rtmpUrl(llKey), 30, '640x360');
    startPublisher(rtmpUrl(classicKey), 30, '640x360');
    await waitFor('both sessions', () => started.length === 2 && started);
    const llSession = started.find((s) => s.lowLatency);
    const classicSession = started.find((s) => !s.lowLatency);
    expect(llSession && classicSession).toBeTruthy();
    const llDir = mediaPaths(dataDir).live(llSession?.playbackId ?? '');
    const classicDir = mediaPaths(dataDir).live(classicSession?.playbackId ?? '');

    const ll = await waitFor(
      'two LL segments in 240p',
      async () => {
        const text = await readIf(join(llDir, '240p.m3u8'));
        return countOf(text, '#EXTINF:') >= 2 && text;
      },
      30_000,
    );
    expect(ll).toMatch(/^#EXT-X-PART-INF:PART-TARGET=/m);
    expect(ll).toMatch(/^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES/m);
    expect(ll).toMatch(/^#EXT-X-MAP:URI="240p-init-\d{6}\.mp4"/m);
    expect(countOf(ll, '#EXT-X-PART:')).toBeGreaterThan(2);
    expect(ll).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART');
    expect(ll).not.toMatch(/\.ts$/m);

    const classic = await waitFor(
      'two classic segments in 240p',
      async () => {
        const text = await readIf(join(classicDir, '240p.m3u8'));
        return text.split('\n').filter((l) => l.endsWith('.ts')).length >= 2 && text;
      },
      30_000,
    );
    expect(classic).not.toContain('#EXT-X-PART');
    expect(classic).not.toContain('#EXT-X-MAP');
    expect(classic).not.toContain('CAN-BLOCK-RELOAD');
    // Both masters list both rungs; only the LL one points at fMP4 playlists that players block on.
    for (const dir of [llDir, classicDir]) {
      const master = await waitFor('a master playlist', async () => {
        const text = await readIf(join(dir, 'master.m3u8'));
        return countOf(text, '#EXT-X-STREAM-INF') === 2 && text;
      });
      expect(master).toContain('360p.m3u8');
    }
    const firstTs = classic.split('\n').find((l) => l.endsWith('.ts')) ?? '';
    expect((await probe(join(classicDir, firstTs))).streams.map((s) => s.codec_name)).toContain('h264');
  });

  it("follows the instance's default for a channel without a choice, and lets a channel opt out of LIVE_LL_HLS=on", async () => {
    await startNode('on');
    const started: LiveSessionView[] = [];
    node?.events.on('sessionStarted', (view) => started.push(view));
    const defaultKey = gate.addKey();
    const optedOutKey = gate.addKey({ lowLatency: false });
    startPublisher(rtmpUrl(defaultKey), 10, '640x360');
    await waitFor('the first session', () => started.length === 1);
    startPublisher(rtmpUrl(optedOutKey), 10, '640x360');
    await waitFor('the second session', () => started.length === 2);
    expect(started.map((s) => s.lowLatency)).toEqual([true, false]);
  });

  it('an LL (fMP4) broadcast keeps its live thumbnail, is recorded, and the recording becomes a VOD that decodes', async () => {
    await startNode('optional');
    const key = gate.addKey({ lowLatency: true, record: true });
    const publisher = startPublisher(rtmpUrl(key), 30, '640x360');
    const session = await waitFor('a session', () => gate.issued[0]);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor(
      'four segments in every rung',
      async () => {
        for (const rung of ['360p', '240p']) {
          if (countOf(await readIf(join(dir, `${rung}.m3u8`)), '#EXTINF:') < 4) return false;
        }
        return true;
      },
      30_000,
    );
    const thumbnail = filesystemMediaPath(dataDir, mediaKeys.liveThumbnail(session.playbackId));
    await waitFor('a live thumbnail', () => existsSync(thumbnail), 10_000);
    publisher.child.kill('SIGKILL');
    await waitFor('the session ended', () => gate.endedCalls.length === 1, 15_000);
    expect(gate.endedCalls[0]).toMatchObject({ sessionId: session.sessionId, recorded: true });
    const recorded = await readIf(join(dir, '360p.m3u8'));
    expect(recorded).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(recorded.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    // The recording's first segment is still there: nothing was trimmed from an EVENT playlist.
    expect(recorded).toMatch(/^#EXT-X-MAP:URI="360p-init-000000\.mp4"/m);
    expect(recorded).toMatch(/^360p-000000\.m4s$/m);

    // What the videos domain does with a recorded broadcast: process its master playlist into a VOD.
    const store = new MemoryVideoProcessingStore();
    const videoId = randomUUID();
    store.add(videoId, {
      prefix: mediaKeys.livePrefix(session.playbackId),
      name: 'master.m3u8',
      playlist: true,
    });
    const outcome = await processVideo(
      {
        store,
        media: createMediaStorage({ dataDir }),
        ffmpeg: () => locateFfmpeg({ ffmpegPath: undefined }),
        logger: createLogger({ level: 'silent', name: 'vod' }),
        settings: { ladder: [240], segmentSeconds: 2, x264Preset: 'ultrafast' },
        progressIntervalMs: 0,
      },
      videoId,
      { attempt: 1, attempts: 1, signal: new AbortController().signal },
    );
    expect(outcome).toBe('ready');
    const result = store.videos.get(videoId)?.result;
    expect(result?.durationMs).toBeGreaterThan(3500);
    expect(result?.renditions.map((r) => r.height)).toEqual([240]);
    const vodMaster = filesystemMediaPath(dataDir, mediaKeys.vodFile(videoId, 'master.m3u8'));
    expect(existsSync(filesystemMediaPath(dataDir, mediaKeys.vodPoster(videoId)))).toBe(true);
    // The VOD plays as a player that knows nothing of LL-HLS reads it: every frame decodes.
    expect(await ffmpegDecodes(vodMaster)).toBe('');
    const streams = (await probe(vodMaster)).streams;
    expect(streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
  });
});
