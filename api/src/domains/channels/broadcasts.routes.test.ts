import { type Broadcast, BroadcastPageSchema } from '@streamhub/contracts/channels';
import { VideoPageSchema } from '@streamhub/contracts/videos';
import { liveSessions } from '@streamhub/db/schema/channels';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import { expectJson, expectProblem, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';

describe.each(testDatabases())('GET /api/v1/channels/{slug}/broadcasts on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps();
    app = createApp(deps).app;
    // Recorded broadcasts become videos the way the gateway does it: `stream.ended` → the content consumer.
    // Recordings become videos through the videos module's durable consumer.
    outbox = await startTestOutbox(backends, deps);
  });
  afterAll(async () => {
    await outbox.close();
    await backends.close();
  });

  /** A streamer's channel (recording or not), and a way to broadcast on it the way the media node does. */
  const channelOf = async (record: boolean) => {
    const channel = await streamerWithChannel(app, backends, deps);
    if (record) {
      const changed = await app.request(
        `/api/v1/channels/${channel.slug}`,
        send('PATCH', { record }, channel.owner),
      );
      expect(changed.status, await changed.clone().text()).toBe(200);
    }
    const broadcast = async () => {
      const sessionId = await channel.goLive();
      await deps.services.channels.endSession(sessionId, { recorded: record });
      return sessionId;
    };
    return { ...channel, broadcast };
  };

  const list = async (slug: string, query = '', caller?: SignedInUser) =>
    expectJson(
      await app.request(`/api/v1/channels/${slug}/broadcasts${query}`, send('GET', undefined, caller)),
      BroadcastPageSchema,
    );

  /** The video a recording became, once the content consumer has registered it. */
  const recordingVideoOf = async (owner: SignedInUser) => {
    const mine = async () =>
      VideoPageSchema.parse(
        await (await app.request('/api/v1/me/videos', send('GET', undefined, owner))).json(),
      ).items;
    await expect.poll(async () => (await mine()).length).toBe(1);
    const [video] = await mine();
    if (!video) throw new Error('no recording video');
    return video.id;
  };

  const makeReady = async (videoId: string) => {
    await deps.services.videos.begin(videoId);
    await deps.services.videos.ready(videoId, { durationMs: 4000, width: 1280, height: 720, renditions: [] });
  };

  it('lists a channel with no broadcasts as an empty last page', async () => {
    const { slug } = await channelOf(false);
    expect(await list(slug)).toEqual({ items: [], nextCursor: null });
  });

  it('pages through every broadcast newest first, the live one included, without repeats', async () => {
    const { slug, goLive, broadcast } = await channelOf(false);
    const ended: string[] = [];
    for (let i = 0; i < 4; i += 1) ended.push(await broadcast());
    // Two broadcasts starting at the same microsecond are ordered by id, so neither is skipped.
    const tie = '2030-01-01T10:00:00.000Z';
    for (const [index, id] of ended.entries()) {
      const startedAt = new Date(index < 2 ? tie : `2030-01-0${index}T12:00:00.000Z`);
      await backends.database.db
        .update(liveSessions)
        .set({ startedAt, endedAt: new Date(startedAt.getTime() + 60_000) })
        .where(eq(liveSessions.id, id));
    }
    const live = await goLive();
    await backends.database.db
      .update(liveSessions)
      .set({ startedAt: new Date('2030-02-01T00:00:00.000Z') })
      .where(eq(liveSessions.id, live));

    const seen: Broadcast[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(slug, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    const [tiedA, tiedB] = [ended[0], ended[1]].sort().reverse();
    expect(seen.map((b) => b.id)).toEqual([live, ended[3], ended[2], tiedA, tiedB]);
    expect(seen[0]).toMatchObject({ status: 'live', endedAt: null, recorded: false, videoId: null });
    expect(seen.slice(1).every((b) => b.status === 'ended' && b.endedAt !== null)).toBe(true);
  });

  it('shows peak viewers and the ingest summary, and nothing that names a key, a node or the files', async () => {
    const { slug, channelId, goLive } = await channelOf(false);
    const sessionId = await goLive();
    const [row] = await backends.database.db
      .update(liveSessions)
      .set({ nodeId: 'node-a:1935' })
      .where(eq(liveSessions.id, sessionId))
      .returning();
    const { streamKeyId, playbackId, nodeId } = row ?? {};
    if (!streamKeyId || !playbackId || !nodeId) throw new Error('session without key, playback or node id');
    await deps.services.channels.recordIngest(sessionId, {
      videoCodec: 'h264',
      audioCodec: 'aac',
      width: 1920,
      height: 1080,
      fps: 30,
    });
    await deps.services.channels.raisePeakViewers(channelId, 42);
    await deps.services.channels.endSession(sessionId, { recorded: false, bitrate: 2_500_000 });

    const response = await app.request(`/api/v1/channels/${slug}/broadcasts`);
    const text = await response.clone().text();
    const [item] = (await expectJson(response, BroadcastPageSchema)).items;
    expect(item).toMatchObject({
      id: sessionId,
      status: 'ended',
      peakViewers: 42,
      recorded: false,
      videoId: null,
      ingest: { videoCodec: 'h264', audioCodec: 'aac', resolution: '1920x1080', bitrate: 2_500_000 },
    });
    expect(Object.keys(item ?? {}).sort()).toEqual(
      ['endedAt', 'id', 'ingest', 'peakViewers', 'recorded', 'startedAt', 'status', 'videoId'].sort(),
    );
    for (const secret of [streamKeyId, playbackId, nodeId]) expect(text).not.toContain(secret);
  });

  it('gives null ingest when nothing was learned, and partial details as null fields', async () => {
    const { slug, goLive } = await channelOf(false);
    await deps.services.channels.endSession(await goLive(), { recorded: false });
    await deps.services.channels.recordIngest(await goLive(), { videoCodec: 'h264', width: 1280 });
    const [live, over] = (await list(slug)).items;
    expect(live?.ingest).toEqual({ videoCodec: 'h264', audioCodec: null, resolution: null, bitrate: null });
    expect(over?.ingest).toBeNull();
  });

  it('links a recorded broadcast to its video once the caller may find it', async () => {
    const { owner, slug, broadcast } = await channelOf(true);
    const sessionId = await broadcast();
    const videoId = await recordingVideoOf(owner);
    const viewer = await registerAndLogin(app, backends);
    const itemFor = async (caller?: SignedInUser) => (await list(slug, '', caller)).items[0];

    // Still processing: only its owner finds it.
    expect(await itemFor()).toMatchObject({ id: sessionId, recorded: true, videoId: null });
    expect(await itemFor(owner)).toMatchObject({ recorded: true, videoId });

    await makeReady(videoId);
    expect(await itemFor()).toMatchObject({ recorded: true, videoId });
    expect(await itemFor(viewer)).toMatchObject({ videoId });

    // Unlisted videos are reached by their link only; private ones by their owner only.
    for (const visibility of ['unlisted', 'private'] as const) {
      const changed = await app.request(`/api/v1/videos/${videoId}`, send('PATCH', { visibility }, owner));
      expect(changed.status, await changed.clone().text()).toBe(200);
      expect(await itemFor()).toMatchObject({ recorded: true, videoId: null });
      expect(await itemFor(viewer)).toMatchObject({ videoId: null });
      expect(await itemFor(owner)).toMatchObject({ videoId });
    }

    // Deleted: the broadcast stays, recorded, without a video.
    const deleted = await app.request(`/api/v1/videos/${videoId}`, send('DELETE', undefined, owner));
    expect(deleted.status).toBe(204);
    expect(await itemFor(owner)).toMatchObject({ id: sessionId, recorded: true, videoId: null });
  });

  it('answers 404 for an unknown channel', async () => {
    await expectProblem(await app.request('/api/v1/channels/no-such-channel/broadcasts'), 404, 'not_found');
  });

  it('answers 422 for a bad limit or a cursor from elsewhere, and 401 for a bad token', async () => {
    const { slug } = await channelOf(false);
    for (const query of ['?limit=0', '?limit=101', '?limit=two', '?cursor=not-a-cursor']) {
      const body = await expectProblem(
        await app.request(`/api/v1/channels/${slug}/broadcasts${query}`),
        422,
        'validation_failed',
      );
      expect(body.errors?.[0]?.path).toMatch(/^query\.(limit|cursor)$/);
    }
    await expectProblem(
      await app.request(`/api/v1/channels/${slug}/broadcasts`, {
        headers: { Authorization: 'Bearer not-a-token' },
      }),
      401,
      'invalid_token',
    );
  });
});
