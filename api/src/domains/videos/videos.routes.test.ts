import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelRequestSchema } from '@streamhub/contracts/channels';
import { JOB_DEFINITIONS } from '@streamhub/contracts/jobs';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { type Video, VideoPageSchema, VideoSchema } from '@streamhub/contracts/videos';
import { testDatabases } from '@streamhub/db/testing';
import { createMemoryJobQueue } from '@streamhub/infra/jobs/memory';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox, storedEvents } from '../../testing/test-outbox.ts';
import { PlaybackTokens } from './playback-tokens.ts';
import { MASTER, readyVideo, uploadedVideo, VARIANT } from './videos-test-kit.ts';

const json = (authorization?: string, body?: unknown, method = 'GET') => ({
  method,
  headers: {
    ...(authorization ? { Authorization: authorization } : {}),
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function setUp(driver: 'pglite' | 'postgres' = 'pglite') {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamhub-videos-'));
  const backends = await createTestBackends(driver);
  const deps = backends.deps({ STREAMHUB_DATA_DIR: dataDir });
  const app = createApp(deps).app;
  const jobs: string[] = [];
  await backends.jobs.start({
    'email.send': async () => {},
    'webhook.deliver': async () => {},
    'notifications.deliver': async () => {},
    'video.process': async ({ videoId }) => {
      jobs.push(videoId);
    },
  });
  return { dataDir, backends, deps, app, jobs };
}

describe('videos API', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let jobs: string[];
  let owner: SignedInUser;
  let other: SignedInUser;
  let admin: SignedInUser;

  beforeAll(async () => {
    ({ backends, deps, app, jobs } = await setUp());
    owner = await registerAndLogin(app, backends);
    other = await registerAndLogin(app, backends);
    admin = await registerAndLogin(app, backends, { role: 'admin' });
  });
  afterAll(() => backends.close());

  const getVideo = async (id: string, user?: SignedInUser) =>
    app.request(`/api/v1/videos/${id}`, json(user?.authorization));

  it('shows public and unlisted videos to anyone, private ones only to their owner', async () => {
    const unlisted = await readyVideo(backends, deps, owner, { visibility: 'unlisted', title: 'Unlisted' });
    const response = await getVideo(unlisted);
    expect(response.status).toBe(200);
    const video = VideoSchema.parse(await response.json());
    expect(video).toMatchObject({
      status: 'ready',
      progress: 100,
      durationMs: 4000,
      renditions: [{ resolution: '640x360', width: 640, height: 360, bandwidth: 800_000 }],
      owner: { username: owner.account.username },
      channel: null,
    });
    expect(video.playbackUrl).toBe(`${deps.config.publicUrl}/vod/${unlisted}/master.m3u8`);
    expect(video.posterUrl).toBe(`${deps.config.publicUrl}/vod/${unlisted}/poster.jpg`);
    expect(video.storyboardUrl).toBe(`${deps.config.publicUrl}/vod/${unlisted}/storyboard.vtt`);

    const secret = await readyVideo(backends, deps, owner, { visibility: 'private' });
    expect((await getVideo(secret)).status).toBe(404);
    expect((await getVideo(secret, other)).status).toBe(404);
    const mine = VideoSchema.parse(await (await getVideo(secret, owner)).json());
    expect(mine.playbackUrl).toMatch(
      new RegExp(`/vod/${secret}/t/[\\w-]+\\.[\\w-]+\\.[\\w-]+/master\\.m3u8$`),
    );

    expect((await getVideo(crypto.randomUUID())).status).toBe(404);
    expect((await getVideo('not-a-uuid')).status).toBe(422);
  });

  it('lets the owner edit title, description, tags (lower-cased), category and visibility', async () => {
    const id = await uploadedVideo(backends, owner);
    const path = `/api/v1/videos/${id}`;
    const patch = {
      title: 'New title',
      description: 'About things',
      tags: ['Rust', 'rust', 'WASM'],
      category: 'software',
      visibility: 'private',
    };
    const response = await app.request(path, json(owner.authorization, patch, 'PATCH'));
    expect(response.status).toBe(200);
    expect(VideoSchema.parse(await response.json())).toMatchObject({
      ...patch,
      tags: ['rust', 'wasm'],
      status: 'uploaded',
      playbackUrl: null,
    });

    // Private now: others cannot even see it.
    expect((await app.request(path, json(other.authorization, { title: 'x' }, 'PATCH'))).status).toBe(404);
    const publicId = await uploadedVideo(backends, owner);
    const forbidden = await app.request(
      `/api/v1/videos/${publicId}`,
      json(other.authorization, { title: 'x' }, 'PATCH'),
    );
    expect(forbidden.status).toBe(403);
    expect((await app.request(path, json(undefined, { title: 'x' }, 'PATCH'))).status).toBe(401);
    for (const bad of [{}, { title: '' }, { category: 'nope' }, { visibility: 'secret' }, { owner: 'me' }]) {
      const invalid = await app.request(path, json(owner.authorization, bad, 'PATCH'));
      expect(invalid.status, JSON.stringify(bad)).toBe(422);
    }
  });

  it('deletes a video with every file, for its owner or an admin only', async () => {
    const files = mediaPaths(deps.config.dataDir);
    const id = await readyVideo(backends, deps, owner);
    expect(existsSync(join(files.video(id), 'master.m3u8'))).toBe(true);
    expect(
      (await app.request(`/api/v1/videos/${id}`, json(other.authorization, undefined, 'DELETE'))).status,
    ).toBe(403);
    expect((await app.request(`/api/v1/videos/${id}`, json(undefined, undefined, 'DELETE'))).status).toBe(
      401,
    );
    expect(
      (await app.request(`/api/v1/videos/${id}`, json(owner.authorization, undefined, 'DELETE'))).status,
    ).toBe(204);
    expect(existsSync(files.video(id))).toBe(false);
    expect((await getVideo(id, owner)).status).toBe(404);

    const byAdmin = await readyVideo(backends, deps, owner);
    expect(
      (await app.request(`/api/v1/videos/${byAdmin}`, json(admin.authorization, undefined, 'DELETE'))).status,
    ).toBe(204);
    expect(existsSync(files.video(byAdmin))).toBe(false);
  });

  it("lists the caller's videos in any status, and a channel's public ones (all of them to its owner)", async () => {
    const streamer = await registerAndLogin(app, backends, { role: 'streamer' });
    const slug = `vid-${crypto.randomUUID().slice(0, 8)}`;
    const channel = await deps.services.channels.create(
      streamer.account.id,
      CreateChannelRequestSchema.parse({ slug, title: 'Videos' }),
    );
    const ready = await readyVideo(backends, deps, streamer, { channelId: channel.id });
    const hidden = await readyVideo(backends, deps, streamer, {
      channelId: channel.id,
      visibility: 'unlisted',
    });
    const failing = await uploadedVideo(backends, streamer, { channelId: channel.id });
    await deps.services.videos.begin(failing);
    await deps.services.videos.failed(failing, 'The source could not be decoded');

    const publicList = VideoPageSchema.parse(
      await (await app.request(`/api/v1/channels/${slug}/videos`)).json(),
    );
    expect(publicList.items.map((v) => v.id)).toEqual([ready]);
    const ownerList = VideoPageSchema.parse(
      await (await app.request(`/api/v1/channels/${slug}/videos`, json(streamer.authorization))).json(),
    );
    expect(ownerList.items.map((v) => v.id)).toEqual([failing, hidden, ready]);
    expect(ownerList.items[0]?.channel).toEqual({ slug, title: 'Videos' });
    expect((await app.request('/api/v1/channels/no-such-channel/videos')).status).toBe(404);

    const mine = VideoPageSchema.parse(
      await (await app.request('/api/v1/me/videos?limit=2', json(streamer.authorization))).json(),
    );
    expect(mine.items.map((v) => v.id)).toEqual([failing, hidden]);
    expect(mine.items[0]).toMatchObject({
      status: 'failed',
      failureReason: 'The source could not be decoded',
    });
    const next = VideoPageSchema.parse(
      await (
        await app.request(`/api/v1/me/videos?limit=2&cursor=${mine.nextCursor}`, json(streamer.authorization))
      ).json(),
    );
    expect(next.items.map((v) => v.id)).toEqual([ready]);
    expect(next.nextCursor).toBeNull();
    expect((await app.request('/api/v1/me/videos')).status).toBe(401);
  });

  it('drives processing through the store: processing with percent, then ready or failed, with events', async () => {
    const files = mediaPaths(deps.config.dataDir);
    const id = await uploadedVideo(backends, owner, { title: 'Processed' });
    const job = await deps.services.videos.begin(id);
    expect(job).toEqual({
      videoId: id,
      source: { prefix: `vod/${id}`, name: 'source', playlist: false },
      output: `vod/${id}`,
    });
    await deps.services.videos.progress(id, 42.4);
    expect(VideoSchema.parse(await (await getVideo(id)).json())).toMatchObject({
      status: 'processing',
      progress: 42,
    });
    await deps.services.videos.ready(id, {
      durationMs: 3000,
      width: 1280,
      height: 720,
      renditions: [
        { playlist: '720p.m3u8', width: 1280, height: 720, bandwidth: 3_000_000, codecs: 'avc1' },
        { playlist: '360p.m3u8', width: 640, height: 360, bandwidth: 800_000, codecs: 'avc1' },
      ],
    });
    const video = VideoSchema.parse(await (await getVideo(id)).json());
    expect(video).toMatchObject({ status: 'ready', durationMs: 3000, width: 1280, height: 720 });
    expect(video.renditions.map((r) => r.resolution)).toEqual(['1280x720', '640x360']);

    const broken = await uploadedVideo(backends, owner);
    await deps.services.videos.begin(broken);
    await deps.services.videos.failed(broken, 'ffmpeg exited with code 1');
    expect(VideoSchema.parse(await (await getVideo(broken, owner)).json())).toMatchObject({
      status: 'failed',
      failureReason: 'ffmpeg exited with code 1',
    });
    expect(VideoSchema.parse(await (await getVideo(broken)).json()).failureReason).toBeNull();
    // Each stored with its status change, once.
    const db = backends.database.db;
    expect((await storedEvents(db, 'video.ready')).filter((e) => e.videoId === id)).toEqual([
      {
        videoId: id,
        ownerId: owner.account.id,
        channelId: null,
        title: 'Processed',
        durationMs: 3000,
        visibility: 'public',
        readyAt: video.readyAt,
      },
    ]);
    expect((await storedEvents(db, 'video.failed')).filter((e) => e.videoId === broken)).toEqual([
      { videoId: broken, ownerId: owner.account.id, reason: 'ffmpeg exited with code 1' },
    ]);

    // A video deleted before its job ran: the job ends quietly.
    const gone = await uploadedVideo(backends, owner);
    const job2 = await deps.services.videos.begin(gone);
    await deps.services.videos.remove(gone);
    expect(await deps.services.videos.begin(gone)).toBeUndefined();
    // …and one deleted mid-job leaves no files behind, even those written after the deletion.
    mkdirSync(files.video(gone), { recursive: true });
    writeFileSync(join(files.video(gone), 'master.m3u8'), MASTER);
    expect(job2?.output).toBe(`vod/${gone}`);
    await deps.services.videos.ready(gone, { durationMs: 1, width: 2, height: 2, renditions: [] });
    expect(existsSync(files.video(gone))).toBe(false);
  });

  /** A recording channel's broadcast that has ended (its `stream.ended` stored), and its owner's video list. */
  async function endedRecordedBroadcast(channel: { title: string; category?: string; tags?: string[] }) {
    const streamer = await registerAndLogin(app, backends, { role: 'streamer' });
    const slug = `rec-${crypto.randomUUID().slice(0, 8)}`;
    await deps.services.channels.create(
      streamer.account.id,
      CreateChannelRequestSchema.parse({ slug, record: true, ...channel }),
    );
    const key = await deps.services.channels.createKey(streamer.account.id, slug, 'OBS');
    const decision = await deps.services.channels.authorizePublish(key.secret);
    if (!decision.ok) throw new Error(decision.reason);
    await deps.services.channels.endSession(decision.sessionId, { recorded: true });
    // The event as a consumer receives it (times aside).
    const ended = {
      sessionId: decision.sessionId,
      channelId: decision.channelId,
      playbackId: decision.playbackId,
      slug,
      recorded: true,
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
    };
    const listed = async () =>
      VideoPageSchema.parse(
        await (await app.request('/api/v1/me/videos', json(streamer.authorization))).json(),
      ).items;
    return { slug, ended, listed };
  }

  it('registers a recorded broadcast as a video of its channel once, and queues its processing once', async () => {
    const outbox = await startTestOutbox(backends, deps);
    try {
      const { slug, ended, listed } = await endedRecordedBroadcast({
        title: 'Night coding',
        category: 'software',
        tags: ['Rust'],
      });
      await expect.poll(async () => (await listed()).length).toBe(1);
      const [video] = (await listed()) as [Video];
      expect(video).toMatchObject({
        source: 'recording',
        status: 'uploaded',
        visibility: 'public',
        category: 'software',
        tags: ['rust'],
        channel: { slug, title: 'Night coding' },
      });
      expect(video.title).toMatch(/^Night coding — \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$/);
      await expect.poll(() => jobs.filter((j) => j === video.id).length).toBe(1);
      const job = await deps.services.videos.begin(video.id);
      expect(job?.source).toEqual({
        prefix: `live/${ended.playbackId}`,
        name: 'master.m3u8',
        playlist: true,
      });

      // The end reported again (a retrying node, a second replica): nothing new.
      expect(await deps.services.videos.registerRecording(ended)).toBeUndefined();
      await backends.events.publish('stream.ended', ended);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await listed()).toHaveLength(1);
      expect(jobs.filter((j) => j === video.id)).toHaveLength(1);
    } finally {
      await outbox.close();
    }
  });

  it("queues a recording's processing again on a retry when the first enqueue failed after the video committed", async () => {
    const { ended, listed } = await endedRecordedBroadcast({ title: 'Retried' });

    // The first delivery: the video commits, then queueing its job fails (a closed queue refuses it).
    const closed = createMemoryJobQueue(JOB_DEFINITIONS);
    await closed.close();
    const failing = backends.deps({ STREAMHUB_DATA_DIR: deps.config.dataDir }, {}, { jobs: closed });
    await expect(failing.services.videos.registerRecording(ended)).rejects.toThrow('Job queue is closed');
    const [video] = (await listed()) as [Video];
    expect(video).toMatchObject({ source: 'recording', status: 'uploaded' });
    expect(jobs).not.toContain(video.id);

    // The consumer's retry finds the video and queues the job it is still waiting for.
    expect(await deps.services.videos.registerRecording(ended)).toBeUndefined();
    await expect.poll(() => jobs.filter((j) => j === video.id).length).toBe(1);
    expect(await listed()).toHaveLength(1);
  });

  // --- VOD playback ---

  it('serves a public video without a token, with content types and CORS for any player', async () => {
    const id = await readyVideo(backends, deps, owner);
    const master = await app.request(`/vod/${id}/master.m3u8`, {
      headers: { Origin: 'https://player.example' },
    });
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(master.headers.get('access-control-allow-origin')).toBe('*');
    expect(await master.text()).toBe(MASTER);
    expect((await app.request(`/vod/${id}/360p/seg_000.ts`)).headers.get('content-type')).toBe('video/mp2t');
    expect((await app.request(`/vod/${id}/poster.jpg`)).headers.get('content-type')).toBe('image/jpeg');
    expect((await app.request(`/vod/${id}/storyboard.vtt`)).headers.get('content-type')).toBe('text/vtt');
    for (const path of [
      `/vod/${id}/source`,
      `/vod/${id}/../../keys/signing-keys.json`,
      `/vod/${id}/..%2F..%2Fkeys`,
      `/vod/nope/master.m3u8`,
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it("refuses a private video's files without a valid token and serves them with one", async () => {
    const id = await readyVideo(backends, deps, owner, { visibility: 'private' });
    const noToken = await app.request(`/vod/${id}/master.m3u8`);
    expect(noToken.status).toBe(404);
    expect(ProblemSchema.parse(await noToken.json()).code).toBe('not_found');

    const { playbackUrl } = VideoSchema.parse(
      await (await app.request(`/api/v1/videos/${id}`, json(owner.authorization))).json(),
    );
    const path = new URL(playbackUrl ?? '').pathname;
    const master = await app.request(path);
    expect(master.status).toBe(200);
    expect(master.headers.get('cache-control')).toBe('private, max-age=3600');
    // Relative URIs in the playlists resolve under the token path.
    const variantPath = new URL('360p.m3u8', `http://x${path}`).pathname;
    const variant = await app.request(variantPath);
    expect(await variant.text()).toBe(VARIANT);
    const segment = await app.request(new URL('360p/seg_000.ts', `http://x${variantPath}`).pathname);
    expect(segment.status).toBe(200);

    const tokens = new PlaybackTokens(backends.signingKeys, { issuer: deps.config.publicUrl });
    const otherVideo = await tokens.issue(crypto.randomUUID());
    const expired = await new PlaybackTokens(backends.signingKeys, {
      issuer: deps.config.publicUrl,
      ttlSeconds: -10,
    }).issue(id);
    for (const token of [otherVideo, expired, 'a.b.c', `${(await tokens.issue(id)).slice(0, -3)}abc`]) {
      const refused = await app.request(`/vod/${id}/t/${token}/master.m3u8`);
      expect(refused.status, token).toBe(403);
      expect(ProblemSchema.parse(await refused.json()).code).toBe('invalid_playback_token');
    }
  });

  it('serves nothing of a video that is not ready', async () => {
    const id = await uploadedVideo(backends, owner);
    expect((await app.request(`/vod/${id}/master.m3u8`)).status).toBe(404);
  });
});

// The library's SQL (keyset orders, tag containment, websearch_to_tsquery and ts_rank) on both drivers.
describe.each(testDatabases())('video library on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let owner: SignedInUser;
  const marker = `m${crypto.randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ backends, deps, app } = await setUp(driver));
    owner = await registerAndLogin(app, backends);
  }, 60_000);
  afterAll(() => backends?.close());

  const list = async (query: string) => {
    const response = await app.request(`/api/v1/videos?${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return VideoPageSchema.parse(await response.json());
  };

  it('lists public ready videos newest first or most viewed, by category and tag, in pages without duplicates', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await readyVideo(backends, deps, owner, {
          title: `Video ${i}`,
          tags: [marker, i % 2 ? 'odd' : 'even'],
          category: i < 2 ? 'music' : 'gaming',
          viewCount: [50, 10, 40, 30, 20][i] ?? 0,
        }),
      );
    }
    await readyVideo(backends, deps, owner, { tags: [marker], visibility: 'unlisted' });
    await readyVideo(backends, deps, owner, { tags: [marker], visibility: 'private' });
    await uploadedVideo(backends, owner, { tags: [marker] });

    const newest = await list(`tag=${marker}`);
    expect(newest.items.map((v) => v.id)).toEqual([...ids].reverse());

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(
        `tag=${marker}&sort=most_viewed&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((v) => v.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids[0], ids[2], ids[3], ids[4], ids[1]]);

    const pagedNewest: string[] = [];
    cursor = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(
        `tag=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      pagedNewest.push(...page.items.map((v) => v.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pagedNewest).toEqual([...ids].reverse());

    expect((await list(`tag=${marker}&category=music`)).items.map((v) => v.id)).toEqual([ids[1], ids[0]]);
    expect((await list(`tag=ODD&category=gaming`)).items.map((v) => v.id)).toEqual([ids[3]]);

    const foreign = await app.request(`/api/v1/videos?sort=most_viewed&cursor=${newest.nextCursor ?? 'x'}`);
    expect(foreign.status).toBe(422);
    const mixed = await list(`tag=${marker}&limit=1`);
    expect((await app.request(`/api/v1/videos?sort=most_viewed&cursor=${mixed.nextCursor}`)).status).toBe(
      422,
    );
  });

  it('searches title, tags and description, a title match first', async () => {
    const word = `zq${crypto.randomUUID().slice(0, 6)}`;
    const inDescription = await readyVideo(backends, deps, owner, {
      title: 'Plain',
      description: `talks about ${word} at length`,
    });
    const inTitle = await readyVideo(backends, deps, owner, { title: `All about ${word}` });
    const inTags = await readyVideo(backends, deps, owner, { title: 'Other', tags: [word] });
    await readyVideo(backends, deps, owner, { title: `Private ${word}`, visibility: 'private' });

    const found = await list(`q=${encodeURIComponent(word)}`);
    expect(found.items.map((v) => v.id)).toEqual([inTitle, inTags, inDescription]);
    expect((await list(`q=${encodeURIComponent(`"all about ${word}"`)}`)).items.map((v) => v.id)).toEqual([
      inTitle,
    ]);
    // websearch syntax: a minus excludes (ranking with negations is Postgres's business, so no order here).
    const excluded = await list(`q=${encodeURIComponent(`${word} -plain`)}`);
    expect(excluded.items.map((v) => v.id).sort()).toEqual([inTitle, inTags].sort());

    const first = await list(`q=${word}&limit=2`);
    const second = await list(`q=${word}&limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((v) => v.id)).toEqual([inTitle, inTags, inDescription]);
    expect(second.nextCursor).toBeNull();
  });
});
