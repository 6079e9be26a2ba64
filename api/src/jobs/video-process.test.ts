/**
 * The `video.process` handler on the real videos service (PGlite): an uploaded clip becomes a ready
 * video whose ladder, poster and storyboard the playback route serves; a file that is not a video and a
 * server without ffmpeg end as failed videos with reasons their owner can read.
 */
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Video, VideoSchema } from '@streamhub/contracts/videos';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { createLogger } from '@streamhub/logger/logger';
import { makeClip } from '@streamhub/media-node/vod/testing/clips';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { uploadedVideo } from '../domains/videos/videos-test-kit.ts';
import { createLogMailer } from '../mail/log-mailer.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { storedEvents } from '../testing/test-outbox.ts';
import { createJobHandlers, videoJobDeps } from './handlers.ts';

const logger = createLogger({ level: 'silent', name: 'test' });

// The job reads its source and writes the ladder through the media storage: the data directory or S3.
describe.each(['filesystem', 's3'] as const)('video.process on the videos service (%s media)', (kind) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let owner: SignedInUser;
  let media: MediaStorage;
  let dataDir: string;
  let s3: TestS3Server | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'streamhub-video-jobs-'));
    backends = await createTestBackends('pglite');
    if (kind === 's3') s3 = await startTestS3Server();
    deps = backends.deps({
      STREAMHUB_DATA_DIR: dataDir,
      ...(s3 && {
        MEDIA_STORAGE: 's3',
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: s3.bucket,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      }),
    });
    app = createApp(deps).app;
    owner = await registerAndLogin(app, backends);
    media = createMediaStorage({ dataDir, storage: deps.config.mediaStorage, db: backends.database.db });
    expect(media.kind).toBe(kind);
    const videos = {
      ...videoJobDeps(deps.config, deps.services.videos, media, logger),
      // The default ladder, at the fastest preset: a 640×360 clip gets its one 360p rung.
      settings: { ladder: [1080, 720, 480, 360], segmentSeconds: 4, x264Preset: 'ultrafast' },
    };
    await backends.jobs.start(createJobHandlers({ mailer: createLogMailer(logger), videos }));
  });
  afterAll(async () => {
    await backends.close();
    await s3?.stop();
  });

  /** An uploaded video whose source is `file` (stored without its extension, as uploads are). */
  const uploaded = async (file: string) => {
    const id = await uploadedVideo(backends, owner);
    await media.write(mediaKeys.vodSource(id), createReadStream(file));
    return id;
  };
  const video = async (id: string): Promise<Video> => {
    const response = await app.request(`/api/v1/videos/${id}`, {
      headers: { Authorization: owner.authorization },
    });
    return VideoSchema.parse(await response.json());
  };
  const settled = async (id: string): Promise<Video> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const current = await video(id);
      if (current.status === 'ready' || current.status === 'failed') return current;
      if (Date.now() > deadline) throw new Error(`video still ${current.status} after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('turns an uploaded clip into a ready video with its ladder, poster and storyboard served', async () => {
    const id = await uploaded(await makeClip(join(dataDir, 'clip.mp4'), { seconds: 4, size: '640x360' }));
    await backends.jobs.enqueue('video.process', { videoId: id });
    const ready = await settled(id);
    expect(ready).toMatchObject({
      status: 'ready',
      progress: 100,
      width: 640,
      height: 360,
      renditions: [{ width: 640, height: 360 }],
    });
    expect(ready.durationMs).toBeGreaterThan(3900);
    expect((await storedEvents(backends.database.db, 'video.ready')).map((e) => e.videoId)).toContain(id);

    const master = await app.request(`/vod/${id}/master.m3u8`);
    expect(master.status).toBe(200);
    const text = await master.text();
    expect(text).toMatch(/BANDWIDTH=\d+,RESOLUTION=640x360,CODECS="avc1\.\w+,mp4a\.40\.2"/);
    const variant = await (await app.request(`/vod/${id}/360p.m3u8`)).text();
    const segment = variant.split('\n').find((line) => line.endsWith('.ts'));
    // Read whole: an unread file stream would hold its descriptor until garbage collection (DEP0137).
    for (const file of [segment, 'poster.jpg', 'storyboard.jpg', 'storyboard.vtt']) {
      const response = await app.request(`/vod/${id}/${file}`);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('fails a text file renamed .mp4 with a reason, without retrying', async () => {
    writeFileSync(join(dataDir, 'notes.mp4'), 'just text\n'.repeat(100));
    const id = await uploaded(join(dataDir, 'notes.mp4'));
    await backends.jobs.enqueue('video.process', { videoId: id });
    expect(await settled(id)).toMatchObject({
      status: 'failed',
      failureReason: 'The file has no video stream ffmpeg can decode',
    });
    expect((await storedEvents(backends.database.db, 'video.failed')).map((e) => e.videoId)).toContain(id);
  });

  it('fails the video clearly on the last attempt when the server has no ffmpeg', async () => {
    const id = await uploaded(await makeClip(join(dataDir, 'short.mp4'), { seconds: 1, size: '320x180' }));
    const noFfmpeg = backends.deps({
      STREAMHUB_DATA_DIR: deps.config.dataDir,
      FFMPEG_PATH: '/nonexistent/ffmpeg',
    });
    const handlers = createJobHandlers({
      mailer: createLogMailer(logger),
      videos: videoJobDeps(noFfmpeg.config, deps.services.videos, media, logger),
    });
    const context = (attempt: number) => ({
      attempt,
      jobId: `video-process-${id}`,
      signal: new AbortController().signal,
      progress: async () => {},
    });
    await expect(handlers['video.process']({ videoId: id }, context(1))).rejects.toThrow(/FFMPEG_PATH/);
    expect((await video(id)).status).toBe('processing');
    await expect(handlers['video.process']({ videoId: id }, context(3))).rejects.toThrow(/FFMPEG_PATH/);
    expect(await video(id)).toMatchObject({
      status: 'failed',
      failureReason: 'Video processing is not available on this server (ffmpeg is missing); ask its operator',
    });
  });
});
