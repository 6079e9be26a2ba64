import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemMediaStorage, filesystemMediaPath } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { createLogger } from '@streamhub/logger/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../ffmpeg/locate.ts';
import { type ProcessVideoAttempt, type ProcessVideoDeps, processVideo } from './process-video.ts';
import { makeClip } from './testing/clips.ts';
import { MemoryVideoProcessingStore } from './testing/memory-video-processing-store.ts';

const root = mkdtempSync(join(tmpdir(), 'streamhub-process-'));
const media = new FilesystemMediaStorage({ dataDir: root });
const logger = createLogger({ level: 'silent', name: 'test' });
const settings = { ladder: [240], segmentSeconds: 2, x264Preset: 'ultrafast' };
let clip: string;

const deps = (store: MemoryVideoProcessingStore, over: Partial<ProcessVideoDeps> = {}): ProcessVideoDeps => ({
  store,
  media,
  ffmpeg: () => locateFfmpeg({ ffmpegPath: undefined }),
  logger,
  settings,
  progressIntervalMs: 0,
  ...over,
});
const attempt = (n = 1): ProcessVideoAttempt => ({
  attempt: n,
  attempts: 3,
  signal: new AbortController().signal,
});

/** A video whose uploaded source holds `bytes`. */
async function upload(store: MemoryVideoProcessingStore, id: string, bytes: Buffer): Promise<void> {
  await media.write(mediaKeys.vodSource(id), bytes);
  store.add(id);
}

beforeAll(async () => {
  clip = await makeClip(join(root, 'clip.mp4'), { seconds: 3, size: '426x240' });
});

describe('processVideo', () => {
  it('goes begin → progress → ready with the ladder stored', async () => {
    const store = new MemoryVideoProcessingStore();
    const id = randomUUID();
    const queueProgress: number[] = [];
    await upload(store, id, readFileSync(clip));
    const outcome = await processVideo(deps(store), id, {
      ...attempt(),
      progress: async (percent) => {
        queueProgress.push(percent);
      },
    });
    expect(outcome).toBe('ready');
    const calls = store.calls.map((c) => c.call);
    expect(calls[0]).toBe('begin');
    expect(calls.at(-1)).toBe('ready');
    expect(calls.slice(1, -1).every((c) => c === 'progress')).toBe(true);
    expect(calls.length).toBeGreaterThan(2);
    const video = store.videos.get(id);
    expect(video).toMatchObject({ status: 'ready', progress: 100 });
    expect(video?.result).toMatchObject({
      width: 426,
      height: 240,
      renditions: [{ playlist: '240p.m3u8', width: 426, height: 240 }],
    });
    expect(video?.result?.durationMs).toBeGreaterThan(2900);
    expect(existsSync(filesystemMediaPath(root, mediaKeys.vodFile(id, 'master.m3u8')))).toBe(true);
    expect(queueProgress.length).toBe(calls.length - 2);
  });

  it('fails a file that is not a video at once, without throwing for a retry', async () => {
    const store = new MemoryVideoProcessingStore();
    const id = randomUUID();
    await upload(store, id, Buffer.from('plain text pretending to be a video\n'));
    expect(await processVideo(deps(store), id, attempt())).toBe('failed');
    expect(store.calls).toEqual([
      { call: 'begin', videoId: id, found: true },
      { call: 'failed', videoId: id, reason: 'The file has no video stream ffmpeg can decode' },
    ]);
    expect(store.videos.get(id)?.status).toBe('failed');
  });

  it('ends quietly when the video was deleted before the job ran', async () => {
    const store = new MemoryVideoProcessingStore();
    const id = randomUUID();
    expect(await processVideo(deps(store), id, attempt())).toBe('gone');
    expect(store.calls).toEqual([{ call: 'begin', videoId: id, found: false }]);
  });

  it('rethrows other failures for a retry, and marks the video failed on the last attempt', async () => {
    const store = new MemoryVideoProcessingStore();
    const id = randomUUID();
    await upload(store, id, readFileSync(clip));
    const noFfmpeg = deps(store, { ffmpeg: () => locateFfmpeg({ ffmpegPath: join(root, 'no-ffmpeg') }) });
    await expect(processVideo(noFfmpeg, id, attempt(1))).rejects.toThrow(/FFMPEG_PATH/);
    expect(store.videos.get(id)?.status).toBe('processing');
    await expect(processVideo(noFfmpeg, id, attempt(3))).rejects.toThrow(/FFMPEG_PATH/);
    expect(store.videos.get(id)).toMatchObject({
      status: 'failed',
      failureReason: 'Video processing is not available on this server (ffmpeg is missing); ask its operator',
    });
  });
});
