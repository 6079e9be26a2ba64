/**
 * Instant clips over HTTP on PGlite and PostgreSQL: a live session whose window is real HLS written by
 * ffmpeg into the media storage; the owner, then an allowed viewer, clip the last 30 s; the clip's
 * video is the channel's, its stored source decodes (ffprobe) and is at least 30 s long; permissions,
 * the hourly limit and the problem+json errors.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelSchema, CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { ClipSchema, ClipSettingsSchema } from '@streamhub/contracts/clips';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { VideoSchema } from '@streamhub/contracts/videos';
import { testDatabases } from '@streamhub/db/testing';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { probe } from '@streamhub/media-node/testing/process-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';

const problem = async (response: Response, status: number, code: string) => {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(ProblemSchema.parse(await response.json()).code).toBe(code);
};

const send = (method: string, body: unknown, authorization: string): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', Authorization: authorization },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

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

let slugCounter = 0;
const uniqueSlug = () => `clip-${++slugCounter}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(testDatabases())('/api/v1/channels/{slug}/clips on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-clips-'));
    backends = await createTestBackends(driver);
    deps = backends.deps({ STREAMHUB_DATA_DIR: dataDir, CLIPS_PER_USER_PER_HOUR: '2' });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const channelOf = async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const response = await app.request(
      '/api/v1/channels',
      send('POST', { slug: uniqueSlug(), title: 'Speedrun' }, owner.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    return { owner, channel: ChannelSchema.parse(await response.json()) };
  };
  /** Puts the channel live; `window` writes real HLS for its session. */
  const goLive = async (owner: SignedInUser, slug: string, window: boolean) => {
    const keyResponse = await app.request(
      `/api/v1/channels/${slug}/keys`,
      send('POST', { name: 'OBS' }, owner.authorization),
    );
    const key = CreatedStreamKeySchema.parse(await keyResponse.json());
    const decision = await deps.services.channels.authorizePublish(key.secret);
    if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
    const dir = mediaPaths(dataDir).live(decision.playbackId);
    await mkdir(dir, { recursive: true });
    if (window) await writeLiveWindow(dir);
    return decision;
  };
  const clipPath = (slug: string) => `/api/v1/channels/${slug}/clips`;

  it('documents every clips operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'clips')).toEqual(
      ['createClip', 'getClipSettings', 'updateClipSettings'].sort(),
    );
  });

  it('the owner clips the last 30 s: a video of the channel whose source decodes', async () => {
    const { owner, channel } = await channelOf();
    const session = await goLive(owner, channel.slug, true);
    const response = await app.request(
      clipPath(channel.slug),
      send('POST', { seconds: 30 }, owner.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    const clip = ClipSchema.parse(await response.json());
    expect(clip).toMatchObject({ makerId: owner.account.id, liveSessionId: session.sessionId });
    expect(clip.seconds).toBeGreaterThanOrEqual(30);
    expect(clip.watchUrl).toMatch(new RegExp(`/v/${clip.videoId}$`));
    const videoResponse = await app.request(
      `/api/v1/videos/${clip.videoId}`,
      send('GET', undefined, owner.authorization),
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
      makerId: owner.account.id,
      seconds: clip.seconds,
      createdAt: clip.createdAt,
    });
  }, 120_000);

  it('viewers clip only when the owner allows it, credited to them, at most CLIPS_PER_USER_PER_HOUR', async () => {
    const { owner, channel } = await channelOf();
    await goLive(owner, channel.slug, true);
    const viewer = await registerAndLogin(app, backends);
    await problem(
      await app.request(clipPath(channel.slug), send('POST', { seconds: 10 }, viewer.authorization)),
      403,
      'forbidden',
    );
    await problem(
      await app.request(
        `${clipPath(channel.slug)}/settings`,
        send('PUT', { viewersMayClip: true }, viewer.authorization),
      ),
      403,
      'forbidden',
    );
    const put = await app.request(
      `${clipPath(channel.slug)}/settings`,
      send('PUT', { viewersMayClip: true }, owner.authorization),
    );
    expect(ClipSettingsSchema.parse(await put.json())).toEqual({ viewersMayClip: true });
    for (let i = 0; i < 2; i++) {
      const made = await app.request(
        clipPath(channel.slug),
        send('POST', { seconds: 5, title: 'GG' }, viewer.authorization),
      );
      expect(made.status, await made.clone().text()).toBe(201);
      const clip = ClipSchema.parse(await made.json());
      expect(clip.makerId).toBe(viewer.account.id);
      // The video is the channel's, not the viewer's.
      const video = VideoSchema.parse(
        await (
          await app.request(`/api/v1/videos/${clip.videoId}`, send('GET', undefined, owner.authorization))
        ).json(),
      );
      expect(video.title).toBe('GG');
    }
    const limited = await app.request(
      clipPath(channel.slug),
      send('POST', { seconds: 5 }, viewer.authorization),
    );
    await problem(limited, 429, 'clip_limit_reached');
  }, 120_000);

  it('answers an offline channel, an empty window and bad input with problem+json', async () => {
    const { owner, channel } = await channelOf();
    await problem(
      await app.request(clipPath(channel.slug), send('POST', { seconds: 30 }, owner.authorization)),
      409,
      'channel_offline',
    );
    for (const body of [{ seconds: 4 }, { seconds: 61 }, { seconds: 30.5 }, {}, { seconds: 30, x: 1 }]) {
      await problem(
        await app.request(clipPath(channel.slug), send('POST', body, owner.authorization)),
        422,
        'validation_failed',
      );
    }
    await problem(
      await app.request(clipPath('no-such-channel-here'), send('POST', { seconds: 30 }, owner.authorization)),
      404,
      'not_found',
    );
    await goLive(owner, channel.slug, false);
    await problem(
      await app.request(clipPath(channel.slug), send('POST', { seconds: 30 }, owner.authorization)),
      409,
      'clip_unavailable',
    );
    const settings = await app.request(
      `${clipPath(channel.slug)}/settings`,
      send('GET', undefined, owner.authorization),
    );
    expect(ClipSettingsSchema.parse(await settings.json())).toEqual({ viewersMayClip: false });
  });
});
