/**
 * Instant clips over HTTP on PGlite and PostgreSQL: a live session whose window is real HLS written by
 * ffmpeg into the media storage; the owner, then an allowed viewer, clip the last 30 s; the clip's
 * video is the channel's, its stored source decodes (ffprobe) and is at least 30 s long; a range of a
 * finished broadcast's recording (processed by the real video job) clipped the same way; permissions,
 * the hourly limit and the problem+json errors.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipSchema, ClipSettingsSchema } from '@streamhub/contracts/clips';
import { VideoSchema } from '@streamhub/contracts/videos';
import { testDatabases } from '@streamhub/db/testing';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { createLogger } from '@streamhub/logger/logger';
import { locateFfmpeg } from '@streamhub/media-node/ffmpeg/locate';
import { probe } from '@streamhub/media-node/testing/process-helpers';
import { processVideo } from '@streamhub/media-node/vod/process-video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import {
  expectProblem,
  goLive as goLiveWithKey,
  sendJson,
  streamerWithChannel,
} from '../../testing/channel-test-kit.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';

/** 36 s of 360p30 test pattern + tone as a live rung (2 s segments), as the ladder writes it. */
function writeLiveWindow(dir: string): Promise<void> {
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '36', '-c:v', 'libx264', '-preset', 'ultrafast'],
    ...[
      '-g',
      '60',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-f',
      'hls',
      '-hls_time',
      '2',
      '-hls_list_size',
      '0',
    ],
    ...['-hls_segment_filename', join(dir, '360p_%d.ts'), join(dir, '360p.m3u8')],
  ];
  return new Promise((resolve, reject) =>
    execFile('ffmpeg', args, { timeout: 120_000 }, (error, _o, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(),
    ),
  );
}

function ffmpegRun(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve({ stdout, stderr }),
    ),
  );
}

/** What ffmpeg reports while decoding every frame of the file (empty: all decoded). */
const decodeErrors = async (file: string) =>
  (await ffmpegRun('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', '-i', file, '-f', 'null', '-']))
    .stderr;

async function firstFrameIsKey(file: string): Promise<boolean> {
  const { stdout } = await ffmpegRun('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1'],
    ...['-show_entries', 'packet=flags', '-of', 'csv=p=0', file],
  ]);
  // The first packet's flags (`K_`): a frame-threaded decoder gives no frame for a single packet.
  return stdout.trim().split('\n')[0]?.startsWith('K') === true;
}

describe.each(testDatabases())('/api/v1/channels/{slug}/clips on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-clips-'));
    backends = await createTestBackends(driver);
    deps = backends.deps({
      STREAMHUB_DATA_DIR: dataDir,
      CLIPS_PER_USER_PER_HOUR: '2',
      // A clip is re-encoded inside the request: seconds on a quiet machine, but more than the default
      // 30 s on a CI box shared by several suites (load 30 on 2 cores).
      REQUEST_TIMEOUT_MS: '180000',
    });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const kit = () => ({ app, backends, deps, slugPrefix: 'clip' });
  const channelOf = (record = false) => streamerWithChannel(kit(), { title: 'Speedrun', record });
  /** Puts the channel live; `window` writes real HLS for its session. */
  const goLive = async (owner: SignedInUser, slug: string, window: boolean) => {
    const session = await goLiveWithKey(kit(), owner, slug);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await mkdir(dir, { recursive: true });
    if (window) await writeLiveWindow(dir);
    return session;
  };
  const clipPath = (slug: string) => `/api/v1/channels/${slug}/clips`;

  it('documents every clips operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'clips')).toEqual(
      ['createClip', 'getClipSettings', 'listChannelClips', 'updateClipSettings'].sort(),
    );
  });

  it('the owner clips the last 30 s: a video of the channel whose source decodes', async () => {
    const { owner, channel } = await channelOf();
    const session = await goLive(owner, channel.slug, true);
    const response = await app.request(
      clipPath(channel.slug),
      sendJson('POST', { seconds: 30 }, owner.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    const clip = ClipSchema.parse(await response.json());
    expect(clip).toMatchObject({ makerId: owner.account.id, liveSessionId: session.sessionId });
    expect(clip.seconds).toBe(30);
    expect(clip.watchUrl).toMatch(new RegExp(`/v/${clip.videoId}$`));
    const videoResponse = await app.request(
      `/api/v1/videos/${clip.videoId}`,
      sendJson('GET', undefined, owner.authorization),
    );
    expect(videoResponse.status).toBe(200);
    const video = VideoSchema.parse(await videoResponse.json());
    expect(video).toMatchObject({ title: 'Clip of Speedrun', status: 'uploaded', visibility: 'public' });
    const probed = await probe(mediaPaths(dataDir).source(clip.videoId));
    const stream = probed.streams.find((s) => s.codec_type === 'video');
    expect(stream).toMatchObject({ codec_name: 'h264', height: 360 });
    expect(Number(stream?.nb_read_frames)).toBeGreaterThanOrEqual(30 * 30);
    expect(probed.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    // Stored with the clip, in its transaction.
    expect(await storedEvents(backends.database.db, 'clip.created')).toContainEqual({
      clipId: clip.id,
      videoId: clip.videoId,
      channelId: channel.id,
      liveSessionId: session.sessionId,
      sourceVideoId: null,
      startSeconds: null,
      makerId: owner.account.id,
      seconds: clip.seconds,
      createdAt: clip.createdAt,
    });
  }, 120_000);

  it('viewers clip only when the owner allows it, credited to them, at most CLIPS_PER_USER_PER_HOUR', async () => {
    const { owner, channel } = await channelOf();
    await goLive(owner, channel.slug, true);
    const viewer = await registerAndLogin(app, backends);
    await expectProblem(
      await app.request(clipPath(channel.slug), sendJson('POST', { seconds: 10 }, viewer.authorization)),
      403,
      'forbidden',
    );
    await expectProblem(
      await app.request(
        `${clipPath(channel.slug)}/settings`,
        sendJson('PUT', { viewersMayClip: true }, viewer.authorization),
      ),
      403,
      'forbidden',
    );
    const put = await app.request(
      `${clipPath(channel.slug)}/settings`,
      sendJson('PUT', { viewersMayClip: true }, owner.authorization),
    );
    expect(ClipSettingsSchema.parse(await put.json())).toEqual({ viewersMayClip: true });
    for (let i = 0; i < 2; i++) {
      const made = await app.request(
        clipPath(channel.slug),
        sendJson('POST', { seconds: 5, title: 'GG' }, viewer.authorization),
      );
      expect(made.status, await made.clone().text()).toBe(201);
      const clip = ClipSchema.parse(await made.json());
      expect(clip.makerId).toBe(viewer.account.id);
      // The video is the channel's, not the viewer's.
      const video = VideoSchema.parse(
        await (
          await app.request(`/api/v1/videos/${clip.videoId}`, sendJson('GET', undefined, owner.authorization))
        ).json(),
      );
      expect(video.title).toBe('GG');
    }
    const limited = await app.request(
      clipPath(channel.slug),
      sendJson('POST', { seconds: 5 }, viewer.authorization),
    );
    await expectProblem(limited, 429, 'clip_limit_reached');
  }, 120_000);

  /** Ends the live session as a recording: the video it becomes (not processed yet). */
  const endAsRecording = async (owner: SignedInUser, session: { sessionId: string; playbackId: string }) => {
    const ownerContext = {
      userId: owner.account.id,
      sessionId: '',
      role: 'streamer' as const,
      emailVerified: true,
    };
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await writeFile(
      join(dir, 'master.m3u8'),
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p.m3u8\n',
    );
    expect(await deps.services.channels.endSession(session.sessionId, { recorded: true })).toBe(true);
    const ended = (await storedEvents(backends.database.db, 'stream.ended')).find(
      (event) => event.sessionId === session.sessionId,
    );
    if (!ended) throw new Error('no stream.ended stored');
    // The videos.recording consumer's call; when a relay ran it first, the video is already there.
    const videoId =
      (await deps.services.videos.registerRecording(ended)) ??
      (await deps.services.videos.recordingsOf([session.sessionId], ownerContext)).get(session.sessionId);
    if (!videoId) throw new Error('the recording registered no video');
    return videoId;
  };
  const processRecording = async (videoId: string) => {
    const outcome = await processVideo(
      {
        store: deps.services.videos,
        media: createMediaStorage({ dataDir }),
        ffmpeg: () => locateFfmpeg({ ffmpegPath: undefined }),
        logger: createLogger({ level: 'silent', name: 'video-job' }),
        settings: { ladder: [360], segmentSeconds: 2, x264Preset: 'ultrafast' },
        progressIntervalMs: 0,
      },
      videoId,
      { attempt: 1, attempts: 1, signal: new AbortController().signal },
    );
    expect(outcome).toBe('ready');
  };

  it("clips a range of a finished broadcast's recording: a video of the channel whose source decodes", async () => {
    const { owner, channel } = await channelOf(true);
    const session = await goLive(owner, channel.slug, true);
    const recording = await endAsRecording(owner, session);
    await processRecording(recording);
    const response = await app.request(
      clipPath(channel.slug),
      sendJson('POST', { seconds: 10, from: { videoId: recording, startSeconds: 13 } }, owner.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    const clip = ClipSchema.parse(await response.json());
    expect(clip).toMatchObject({ makerId: owner.account.id, sourceVideoId: recording, liveSessionId: null });
    // Cut to the frame: from 13 s exactly (mid-GOP), 10 s long.
    expect(clip.startSeconds).toBeCloseTo(13, 3);
    expect(clip.seconds).toBe(10);
    const source = mediaPaths(dataDir).source(clip.videoId);
    const probed = await probe(source);
    const stream = probed.streams.find((s) => s.codec_type === 'video');
    expect(stream).toMatchObject({ codec_name: 'h264', height: 360 });
    expect(Math.abs(Number(stream?.nb_read_frames) - 10 * 30)).toBeLessThanOrEqual(1);
    expect(probed.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    // Every frame decodes, and the first is a keyframe (the re-encoded clip starts with one).
    expect(await decodeErrors(source)).toBe('');
    expect(await firstFrameIsKey(source)).toBe(true);
    // The event names the clipped video and where in it the clip starts, as the API answer does.
    expect(await storedEvents(backends.database.db, 'clip.created')).toContainEqual({
      clipId: clip.id,
      videoId: clip.videoId,
      channelId: channel.id,
      liveSessionId: null,
      sourceVideoId: recording,
      startSeconds: clip.startSeconds,
      makerId: owner.account.id,
      seconds: clip.seconds,
      createdAt: clip.createdAt,
    });
    // The clip runs through the normal pipeline like any video.
    await processRecording(clip.videoId);
    const video = VideoSchema.parse(
      await (
        await app.request(`/api/v1/videos/${clip.videoId}`, sendJson('GET', undefined, owner.authorization))
      ).json(),
    );
    expect(video).toMatchObject({ status: 'ready', visibility: 'public', channel: { slug: channel.slug } });
    expect(video.durationMs).toBeGreaterThanOrEqual(9_900);

    // A start past the end, a video of another channel, and one that is not processed yet.
    await expectProblem(
      await app.request(
        clipPath(channel.slug),
        sendJson(
          'POST',
          { seconds: 10, from: { videoId: recording, startSeconds: 36 } },
          owner.authorization,
        ),
      ),
      422,
      'validation_failed',
    );
    const other = await channelOf(true);
    const otherRecording = await endAsRecording(
      other.owner,
      await goLive(other.owner, other.channel.slug, false),
    );
    await expectProblem(
      await app.request(
        clipPath(channel.slug),
        sendJson(
          'POST',
          { seconds: 10, from: { videoId: otherRecording, startSeconds: 0 } },
          owner.authorization,
        ),
      ),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(
        clipPath(other.channel.slug),
        sendJson(
          'POST',
          { seconds: 10, from: { videoId: otherRecording, startSeconds: 0 } },
          other.owner.authorization,
        ),
      ),
      409,
      'clip_unavailable',
    );
  }, 180_000);

  it('answers an offline channel, an empty window and bad input with problem+json', async () => {
    const { owner, channel } = await channelOf();
    await expectProblem(
      await app.request(clipPath(channel.slug), sendJson('POST', { seconds: 30 }, owner.authorization)),
      409,
      'channel_offline',
    );
    for (const body of [{ seconds: 4 }, { seconds: 61 }, { seconds: 30.5 }, {}, { seconds: 30, x: 1 }]) {
      await expectProblem(
        await app.request(clipPath(channel.slug), sendJson('POST', body, owner.authorization)),
        422,
        'validation_failed',
      );
    }
    await expectProblem(
      await app.request(
        clipPath('no-such-channel-here'),
        sendJson('POST', { seconds: 30 }, owner.authorization),
      ),
      404,
      'not_found',
    );
    await goLive(owner, channel.slug, false);
    await expectProblem(
      await app.request(clipPath(channel.slug), sendJson('POST', { seconds: 30 }, owner.authorization)),
      409,
      'clip_unavailable',
    );
    const settings = await app.request(
      `${clipPath(channel.slug)}/settings`,
      sendJson('GET', undefined, owner.authorization),
    );
    expect(ClipSettingsSchema.parse(await settings.json())).toEqual({ viewersMayClip: false });
  });
});
