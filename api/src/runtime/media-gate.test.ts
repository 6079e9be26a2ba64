/**
 * The media node wired to the channels domain as the runtimes wire it, with real RTMP publishers (ffmpeg),
 * the real gateway app for the admin and owner actions, and the database: broadcasts cut by a suspension
 * or a key rotation (also across two event-bus connections, as between `serve` and `serve media`), the
 * ingest bitrate, and the clean-up after a crashed node.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelSchema, CreatedStreamKeySchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import { DOMAIN_EVENTS, type DomainEventPayload, type DomainEvents } from '@streamhub/contracts/events';
import { VideoPageSchema, VideoSchema } from '@streamhub/contracts/videos';
import { liveSessions } from '@streamhub/db/schema/channels';
import { createEventBus } from '@streamhub/infra/event-bus/factory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { readMediaBytes } from '@streamhub/infra/media-storage/port';
import { startTestS3Server, type TestS3Server } from '@streamhub/infra/media-storage/s3-testing';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { createLogger } from '@streamhub/logger/logger';
import { locateFfmpeg } from '@streamhub/media-node/ffmpeg/locate';
import { type MediaNode, startMediaNode } from '@streamhub/media-node/media-node';
import {
  killPublishers,
  publisherBitrate,
  startPublisher,
  waitFor,
} from '@streamhub/media-node/testing/process-helpers';
import { processVideo } from '@streamhub/media-node/vod/process-video';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import type { GatewayDeps } from '../deps.ts';
import { ChannelsRepository } from '../domains/channels/channels.repository.ts';
import { ChannelsService } from '../domains/channels/channels.service.ts';
import { registerAndLogin, type SignedInUser } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { startTestOutbox } from '../testing/test-outbox.ts';
import { channelsPublishGate, recordIngestDetails } from './media-gate.ts';

const GRACE_SECONDS = 30;
const SIZE = '640x360';
const logger = createLogger({ level: 'silent', name: 'media-gate-test' });

let backends: TestBackends;
let dataDir: string;
let deps: GatewayDeps;
let app: GatewayApp;
let node: MediaNode | undefined;
const closers: (() => Promise<void>)[] = [];
const ended: DomainEventPayload<'stream.ended'>[] = [];
// What the test publisher sends at SIZE, bits per second.
let reference: number;

beforeAll(async () => {
  backends = await createTestBackends('pglite');
  backends.events.subscribe('stream.ended', (payload) => {
    ended.push(payload);
  });
  const dir = await mkdtemp(join(tmpdir(), 'streamhub-reference-'));
  reference = await publisherBitrate(join(dir, 'reference.flv'), 6, SIZE);
  await rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await backends.close();
});

/** The settings of every test here but the media storage's. */
const STORAGE_NEUTRAL_ENV = () => ({
  STREAMHUB_DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  LIVE_LADDER: '360',
  LIVE_SEGMENT_SECONDS: '1',
  LIVE_X264_PRESET: 'ultrafast',
  LIVE_RECONNECT_GRACE_SECONDS: String(GRACE_SECONDS),
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'streamhub-media-gate-'));
  deps = backends.deps(STORAGE_NEUTRAL_ENV());
  app = createApp(deps).app;
});
afterEach(async () => {
  killPublishers();
  await node?.close();
  node = undefined;
  for (const close of closers.splice(0).reverse()) await close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A media storage instance as a process builds it from the test's settings (the filesystem, or S3). */
const mediaStorage = () =>
  createMediaStorage({ dataDir, storage: deps.config.mediaStorage, db: backends.database.db });

/** The media node as `streamhub dev` or `serve media` starts it, on the given channels service. */
async function startNode(
  channels: ChannelsService,
  nodeId = `test-node-${crypto.randomUUID()}`,
  reconnectGraceSeconds = GRACE_SECONDS,
) {
  node = await startMediaNode({
    config: { ...deps.config, media: { ...deps.config.media, rtmpPort: 0, reconnectGraceSeconds } },
    logger,
    gate: channelsPublishGate(channels),
    media: mediaStorage(),
    nodeId,
    bitrateSampling: { firstMs: 2000, everyMs: 60_000 },
  });
  recordIngestDetails(node, channels, logger);
  return node;
}

const send = (method: string, user?: SignedInUser, body?: unknown): RequestInit => ({
  method,
  headers: {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(user ? { Authorization: user.authorization } : {}),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function streamerWithKey() {
  const user = await registerAndLogin(app, backends, { role: 'streamer' });
  const slug = `cut-${Math.random().toString(36).slice(2, 10)}`;
  const created = await app.request('/api/v1/channels', send('POST', user, { slug, title: 'Cut me' }));
  const channel = ChannelSchema.parse(await created.json());
  const keyResponse = await app.request(`/api/v1/channels/${slug}/keys`, send('POST', user, { name: 'OBS' }));
  return { user, channel, key: CreatedStreamKeySchema.parse(await keyResponse.json()) };
}

/** A streamer's channel (recording if `record`) once `seconds` of test media pushed to it have made it live. */
async function liveBroadcast(seconds: number, options: { record?: boolean } = {}) {
  const { user, channel, key } = await streamerWithKey();
  if (options.record) {
    const patched = await app.request(
      `/api/v1/channels/${channel.slug}`,
      send('PATCH', user, { record: true }),
    );
    expect(patched.status).toBe(200);
  }
  const publisher = startPublisher(rtmpUrl(key.secret), seconds, SIZE);
  const session = await waitFor(
    'the channel going live',
    async () => (await channelPage(channel.slug)).session ?? undefined,
    20_000,
    200,
  );
  return { user, channel, key, publisher, session, dir: mediaPaths(dataDir).live(session.playbackId) };
}

const channelPage = async (slug: string) =>
  PublicChannelSchema.parse(await (await app.request(`/api/v1/channels/${slug}`)).json());

const rtmpUrl = (secret: string) => `rtmp://127.0.0.1:${node?.rtmpPort}/live/${secret}`;

describe('media node wired to the channels domain (real RTMP + ffmpeg)', { timeout: 120_000 }, () => {
  it('suspending the owner over the admin API cuts the broadcast at once; stream.ended follows', async () => {
    const media = await startNode(deps.services.channels);
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const { user, channel, key } = await streamerWithKey();
    const publisher = startPublisher(rtmpUrl(key.secret), 60, SIZE);

    // While live, the channel page shows the running ingest bitrate next to the codecs.
    const session = await waitFor(
      'the ingest bitrate on the channel page',
      async () => {
        const page = await channelPage(channel.slug);
        return page.session?.ingest?.bitrate && page.session.ingest.videoCodec ? page.session : undefined;
      },
      20_000,
      200,
    );
    expect(session.ingest?.bitrate).toBeGreaterThan(reference * 0.5);
    expect(session.ingest?.bitrate).toBeLessThan(reference * 1.5);
    const dir = mediaPaths(dataDir).live(session.playbackId);
    await waitFor('segments on disk', () => existsSync(join(dir, '360p.m3u8')), 20_000);

    // The node emits sessionEnded once the unrecorded session's files are deleted, after stream.ended.
    const sessionEnded = new Promise<void>((resolve) => media.events.once('sessionEnded', () => resolve()));
    const cutAt = Date.now();
    const suspended = await app.request(`/api/v1/users/${user.account.id}/suspend`, send('POST', admin));
    expect(suspended.status).toBe(200);
    expect(await publisher.exited).not.toBe(0);
    const event = await waitFor('stream.ended', () => ended.find((e) => e.playbackId === session.playbackId));
    // Far inside the 30 s reconnect grace window.
    expect(Date.now() - cutAt).toBeLessThan(10_000);
    expect(event).toMatchObject({ channelId: channel.id, recorded: false });
    expect((await channelPage(channel.slug)).live).toBe(false);
    await sessionEnded;
    expect(existsSync(dir)).toBe(false);
    expect((await app.request(`/hls/${session.playbackId}/master.m3u8`)).status).toBe(404);

    // The whole session's average is kept with the ended session.
    const [row] = await backends.database.db
      .select()
      .from(liveSessions)
      .where(eq(liveSessions.playbackId, session.playbackId));
    expect(row?.ingest?.bitrate).toBeGreaterThan(reference * 0.7);
    expect(row?.ingest?.bitrate).toBeLessThan(reference * 1.3);

    // Coming back with the same key is refused: the owner is suspended.
    const refused = new Promise<string>((resolve) =>
      media.events.once('publishRefused', (r) => resolve(r.reason)),
    );
    expect(await startPublisher(rtmpUrl(key.secret), 5, SIZE).exited).not.toBe(0);
    expect(await refused).toBe('suspended_owner');
  });

  it('deleting the account cuts its broadcast and removes the files, though the channel records', async () => {
    await startNode(deps.services.channels);
    const { user, publisher, session, dir } = await liveBroadcast(60, { record: true });
    await waitFor('segments on disk', () => existsSync(join(dir, '360p.m3u8')), 20_000);

    const deleted = await app.request('/api/v1/me', send('DELETE', user, { password: user.password }));
    expect(deleted.status).toBe(204);
    expect(await publisher.exited).not.toBe(0);
    // A recording would keep the directory; with its owner gone nothing could serve or sweep it.
    await waitFor('the files removed', () => !existsSync(dir), 20_000);
    expect((await app.request(`/hls/${session.playbackId}/master.m3u8`)).status).toBe(404);
  });

  it('rotating the key in use cuts the broadcast, across two event-bus connections (gateway and serve media)', async () => {
    // Two processes' worth of buses on one Redis: the gateway publishes, the media node's side hears it.
    const prefix = randomTestPrefix('media-gate');
    const connect = async (): Promise<EventBus<DomainEvents>> => {
      const bus = await createEventBus(DOMAIN_EVENTS, { redisUrl: TEST_REDIS_URL, prefix });
      closers.push(() => bus.close());
      return bus;
    };
    const [gatewayBus, mediaBus] = [await connect(), await connect()];
    const mediaEnded: string[] = [];
    gatewayBus.subscribe('stream.ended', ({ playbackId }) => {
      mediaEnded.push(playbackId);
    });
    await gatewayBus.ready();
    deps = backends.deps(
      {
        STREAMHUB_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        LIVE_LADDER: '360',
        LIVE_SEGMENT_SECONDS: '1',
        LIVE_X264_PRESET: 'ultrafast',
        LIVE_RECONNECT_GRACE_SECONDS: String(GRACE_SECONDS),
      },
      {},
      { events: gatewayBus },
    );
    app = createApp(deps).app;
    const mediaChannels = new ChannelsService({
      channels: new ChannelsRepository(backends.database.db),
      events: mediaBus,
      publicUrl: deps.config.publicUrl,
    });
    await startNode(mediaChannels);

    const { user, channel, key, publisher, session, dir } = await liveBroadcast(60);
    await waitFor('segments on disk', () => existsSync(join(dir, '360p.m3u8')), 20_000);

    const cutAt = Date.now();
    const rotated = await app.request(
      `/api/v1/channels/${channel.slug}/keys/${key.id}/rotate`,
      send('POST', user),
    );
    expect(rotated.status).toBe(201);
    expect(await publisher.exited).not.toBe(0);
    await waitFor('stream.ended on the gateway bus', () => mediaEnded.includes(session.playbackId));
    expect(Date.now() - cutAt).toBeLessThan(10_000);
    expect((await channelPage(channel.slug)).live).toBe(false);

    // The rotated key's replacement goes live again at once.
    const fresh = CreatedStreamKeySchema.parse(await rotated.json());
    startPublisher(rtmpUrl(fresh.secret), 30, SIZE);
    await waitFor(
      'live again with the new key',
      async () => (await channelPage(channel.slug)).live,
      20_000,
      200,
    );
  });

  it('a broadcast ended elsewhere (another node took this one for dead) is cut here; the reconnect starts a new session', async () => {
    await startNode(deps.services.channels);
    const { channel, key, publisher, session } = await liveBroadcast(60);
    // What a node that found this one without a lease does: it ends the session in the database.
    expect(await deps.services.channels.endSession(session.id, { recorded: false })).toBe(true);
    await waitFor('the publisher disconnected', () => publisher.child.exitCode !== null, 20_000, 100);
    await waitFor('the node holding nothing', () => node?.events.sessions().length === 0);
    // OBS reconnects: a new session, not the one that is over.
    startPublisher(rtmpUrl(key.secret), 30, SIZE);
    const again = await waitFor(
      'live again',
      async () => {
        const current = (await channelPage(channel.slug)).session;
        return current && current.id !== session.id ? current : undefined;
      },
      20_000,
      200,
    );
    expect(again.playbackId).not.toBe(session.playbackId);
  });

  it('a restarted node ends the sessions it held before a crash, emits stream.ended and deletes their files', async () => {
    const { channel, key } = await streamerWithKey();
    const nodeId = `crashed-node-${crypto.randomUUID()}`;
    // What a node that crashed mid-broadcast leaves: a live session under its id, and its files.
    const left = await deps.services.channels.authorizePublish(key.secret, { nodeId });
    if (!left.ok) throw new Error(`refused: ${left.reason}`);
    const liveDir = mediaPaths(dataDir).collection('live');
    await mkdir(join(liveDir, left.playbackId), { recursive: true });
    await writeFile(join(liveDir, left.playbackId, '360p.m3u8'), '#EXTM3U\n');
    // A stuck channel refuses every publish, naming the dead node that holds it.
    expect(await deps.services.channels.authorizePublish(key.secret)).toMatchObject({
      ok: false,
      reason: 'already_live',
      holder: { sessionId: left.sessionId, nodeId },
    });

    await startNode(deps.services.channels, nodeId);
    await waitFor('stream.ended', () => ended.find((e) => e.sessionId === left.sessionId));
    expect((await channelPage(channel.slug)).live).toBe(false);
    expect(existsSync(join(liveDir, left.playbackId))).toBe(false);

    // The channel broadcasts again.
    startPublisher(rtmpUrl(key.secret), 30, SIZE);
    await waitFor('live again', async () => (await channelPage(channel.slug)).live, 20_000, 200);
  });
});

// The same broadcast, recording, video and deletion on each media storage: the data directory, or an S3
// bucket (a real s3rver) that the gateway streams from and the media node uploads to.
describe.each(['filesystem', 's3'] as const)(
  'a recorded broadcast after its end on %s (real RTMP + ffmpeg)',
  { timeout: 180_000 },
  (kind) => {
    let s3: TestS3Server | undefined;
    beforeAll(async () => {
      if (kind === 's3') s3 = await startTestS3Server();
    });
    afterAll(async () => {
      await s3?.stop();
    });
    beforeEach(() => {
      if (!s3) return;
      deps = backends.deps({
        ...STORAGE_NEUTRAL_ENV(),
        MEDIA_STORAGE: 's3',
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: s3.bucket,
        S3_PREFIX: `gate-${crypto.randomUUID().slice(0, 8)}`,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      });
      app = createApp(deps).app;
    });

    it('is served under /hls only while live, then only as its video: private needs the token, deleted is gone', async () => {
      const outbox = await startTestOutbox(backends, deps);
      closers.push(() => outbox.close());
      await startNode(deps.services.channels, undefined, 1);
      const media = mediaStorage();
      expect(media.kind).toBe(kind);
      const { user, publisher, session } = await liveBroadcast(6, { record: true });
      const live = mediaKeys.livePrefix(session.playbackId);
      const segment = await waitFor(
        'a segment',
        async () =>
          (await readMediaBytes(media, mediaKeys.liveFile(session.playbackId, '360p.m3u8')))
            ?.toString('utf8')
            .match(/^[^#\s].*\.ts$/m)?.[0],
        20_000,
      );
      // On S3 the master is stored only once every variant it names is (live-output-upload.ts), which
      // may be a pass after the first rung's segment.
      await waitFor(
        'the master playlist',
        async () => readMediaBytes(media, mediaKeys.liveFile(session.playbackId, 'master.m3u8')),
        20_000,
      );
      const hls = ['master.m3u8', '360p.m3u8', segment].map((file) => `/hls/${session.playbackId}/${file}`);
      // Each body is cancelled: an unread file stream would hold its descriptor until garbage collection.
      const statuses = async (paths: string[]) =>
        Promise.all(
          paths.map(async (path) => {
            const response = await app.request(path);
            await response.body?.cancel();
            return response.status;
          }),
        );
      // While live, the playback id is on the public channel page and every file is anyone's.
      expect(await statuses(hls)).toEqual([200, 200, 200]);

      // The publisher finishes; a second of reconnect grace later the session ends, recorded.
      expect(await publisher.exited).toBe(0);
      const event = await waitFor(
        'stream.ended',
        () => ended.find((e) => e.playbackId === session.playbackId),
        30_000,
      );
      expect(event.recorded).toBe(true);
      const mine = async () =>
        VideoPageSchema.parse(await (await app.request('/api/v1/me/videos', send('GET', user))).json()).items;
      const video = await waitFor('the recording registered as a video', async () =>
        (await mine()).find((v) => v.source === 'recording'),
      );
      // The files stay (the video's source), but the live path is closed: the recording is the video's now.
      expect(await media.stat(mediaKeys.recordingMaster(session.playbackId))).toBeDefined();
      expect(await statuses(hls)).toEqual([404, 404, 404]);

      // Processed as the video.process job does it; public, it plays under /vod/.
      const outcome = await processVideo(
        {
          store: deps.services.videos,
          media,
          ffmpeg: () => locateFfmpeg({ ffmpegPath: undefined }),
          logger,
          settings: { ladder: [360], segmentSeconds: 2, x264Preset: 'ultrafast' },
        },
        video.id,
        { attempt: 1, attempts: 1, signal: new AbortController().signal },
      );
      expect(outcome).toBe('ready');
      const vod = [`/vod/${video.id}/master.m3u8`, `/vod/${video.id}/360p.m3u8`];
      expect(await statuses(vod)).toEqual([200, 200]);

      // Private: only the owner's token opens it; the live path still shows nothing.
      const made = await app.request(
        `/api/v1/videos/${video.id}`,
        send('PATCH', user, { visibility: 'private' }),
      );
      expect(made.status).toBe(200);
      expect(await statuses(vod)).toEqual([404, 404]);
      expect(await statuses(hls)).toEqual([404, 404, 404]);
      const own = VideoSchema.parse(
        await (await app.request(`/api/v1/videos/${video.id}`, send('GET', user))).json(),
      );
      expect(own.playbackUrl).toMatch(/\/vod\/[0-9a-f-]{36}\/t\/[^/]+\/master\.m3u8$/);
      expect(await statuses([new URL(own.playbackUrl ?? '').pathname])).toEqual([200]);

      // Deleted: the video's files and the broadcast's own are gone; every path answers 404.
      const deleted = await app.request(`/api/v1/videos/${video.id}`, send('DELETE', user));
      expect(deleted.status).toBe(204);
      expect(await media.list(live)).toEqual([]);
      expect(await media.list(mediaKeys.vodPrefix(video.id))).toEqual([]);
      expect(await statuses([...hls, ...vod])).toEqual([404, 404, 404, 404, 404]);
    });
  },
);
