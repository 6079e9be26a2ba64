/**
 * Deleting an account removes everything it owned, in every domain: rows by cascade, then through
 * `user.deleted` (stored with the deletion, handled by durable consumers) the likes and comments others left on its broadcasts and videos, and its video files
 * (processed output and uploads in progress). Real database, real files, the consumers the gateway runs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommentSchema } from '@streamhub/contracts/engagement';
import type { DomainEventPayload } from '@streamhub/contracts/events';
import { VideoPageSchema } from '@streamhub/contracts/videos';
import { comments, likes } from '@streamhub/db/schema/engagement';
import { testDatabases } from '@streamhub/db/testing';
import { mediaPaths } from '@streamhub/infra/media-storage/testing';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import {
  expectJson,
  MANY_LOGINS_POLICY,
  type StreamerChannel,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { LikesRepository } from '../engagement/likes.repository.ts';
import { encodeUploadMetadata } from '../videos/tus.ts';
import { readyVideo } from '../videos/videos-test-kit.ts';

describe.each(testDatabases())('deleting an account on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let dataDir: string;
  let files: ReturnType<typeof mediaPaths>;
  const stops: (() => void)[] = [];
  let outbox: Outbox;
  const announced: DomainEventPayload<'user.deleted'>[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-account-deletion-'));
    files = mediaPaths(dataDir);
    backends = await createTestBackends(driver);
    deps = backends.deps({ STREAMHUB_DATA_DIR: dataDir }, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
    // The modules' durable consumers (engagement's and videos' clean-up), relayed from the outbox as on
    // an embedded gateway; the bus carries the ephemeral copy (terminations, sockets signed out).
    outbox = await startTestOutbox(backends, deps);
    stops.push(
      backends.events.subscribe('user.deleted', (payload) => {
        announced.push(payload);
      }),
    );
    await backends.events.ready();
  });
  afterAll(async () => {
    for (const stop of stops) stop();
    await outbox.close();
    await backends.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A broadcast of `channel` that has ended, and one still live. */
  async function broadcasts(channel: StreamerChannel): Promise<[ended: string, live: string]> {
    const ended = await channel.goLive();
    expect(await deps.services.channels.endSession(ended, { recorded: false })).toBe(true);
    return [ended, await channel.goLive()];
  }

  async function comment(user: SignedInUser, sessionId: string, body: string, parentId?: string) {
    const response = await app.request(
      `/api/v1/live-sessions/${sessionId}/comments`,
      send('POST', { body, ...(parentId ? { parentId } : {}) }, user),
    );
    return (await expectJson(response, CommentSchema, 201)).id;
  }

  async function like(user: SignedInUser, sessionId: string) {
    const response = await app.request(
      `/api/v1/live-sessions/${sessionId}/like`,
      send('PUT', undefined, user),
    );
    expect(response.status, await response.clone().text()).toBe(200);
  }

  /** An upload with its first bytes received, over tus as a client sends them. */
  async function uploadInProgress(user: SignedInUser): Promise<string> {
    const tus = { 'Tus-Resumable': '1.0.0', Authorization: user.authorization };
    const created = await app.request('/api/v1/uploads', {
      method: 'POST',
      headers: { ...tus, 'Upload-Length': '4096', 'Upload-Metadata': encodeUploadMetadata({ title: 'WIP' }) },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const location = created.headers.get('location') ?? '';
    const patched = await app.request(location, {
      method: 'PATCH',
      headers: { ...tus, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
      body: new Uint8Array(1000),
    });
    expect(patched.status, await patched.clone().text()).toBe(204);
    const videoId = location.split('/').at(-1) ?? '';
    expect((await stat(files.upload(videoId))).size).toBe(1000);
    return videoId;
  }

  const likesOn = async (ids: string[]) =>
    backends.database.db.select().from(likes).where(inArray(likes.targetId, ids));
  const commentsOn = async (ids: string[]) =>
    backends.database.db.select().from(comments).where(inArray(comments.targetId, ids));
  const deleteAccount = (user: SignedInUser) =>
    app.request('/api/v1/me', send('DELETE', { password: user.password }, user));

  it("removes the likes and comments on its broadcasts and videos, its video files and uploads; others' data stays", async () => {
    const doomed = await streamerWithChannel(app, backends, deps);
    const other = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const [endedSession, liveSession] = await broadcasts(doomed);
    const [otherSession] = await broadcasts(other);

    // Others' engagement on the doomed account's broadcasts (a thread, and on the one still live).
    await like(viewer, endedSession);
    await like(other.owner, liveSession);
    const thread = await comment(viewer, endedSession, 'Great stream');
    await comment(other.owner, endedSession, 'Agreed', thread);
    await comment(viewer, liveSession, 'Hello');
    // Engagement that must survive: on another channel's broadcast, also by the doomed owner's viewer.
    await like(viewer, otherSession);
    await comment(viewer, otherSession, 'Still here');

    const video = await readyVideo(backends, deps, doomed.owner, { channelId: doomed.channelId });
    const upload = await uploadInProgress(doomed.owner);
    const otherVideo = await readyVideo(backends, deps, other.owner, { channelId: other.channelId });
    const otherUpload = await uploadInProgress(other.owner);
    // Videos are not likeable over the API yet; a like stored for one must go as well.
    await new LikesRepository(backends.database.db).like(viewer.account.id, { type: 'video', id: video });
    expect(existsSync(join(files.video(video), 'master.m3u8'))).toBe(true);

    const doomedTargets = [endedSession, liveSession, video];
    expect(await likesOn(doomedTargets)).toHaveLength(3);
    expect(await commentsOn(doomedTargets)).toHaveLength(3);

    expect((await deleteAccount(doomed.owner)).status).toBe(204);

    await vi.waitFor(() => expect(announced.map((event) => event.userId)).toContain(doomed.owner.account.id));
    const event = announced.find((e) => e.userId === doomed.owner.account.id);
    expect(event).toMatchObject({ userId: doomed.owner.account.id, channelId: doomed.channelId });
    expect(event?.liveSessions.map((s) => s.id).sort()).toEqual([endedSession, liveSession].sort());
    expect(event?.videoIds.sort()).toEqual([video, upload].sort());

    await vi.waitFor(
      async () => {
        expect(await likesOn(doomedTargets)).toEqual([]);
        expect(await commentsOn(doomedTargets)).toEqual([]);
        expect(existsSync(files.video(video))).toBe(false);
        expect(existsSync(files.upload(upload))).toBe(false);
      },
      { timeout: 10_000, interval: 50 },
    );

    // The event was stored with the deletion, once, and relayed.
    const stored = await backends.database.db
      .select({ name: sql<string>`name`, published: sql<boolean>`published_at is not null` })
      .from(sql`events.outbox`)
      .where(sql`aggregate = ${`user:${doomed.owner.account.id}`} and name = 'user.deleted'`);
    expect(stored).toEqual([{ name: 'user.deleted', published: true }]);

    // Untouched: the other channel's broadcast keeps its like and comment, its owner their video and upload.
    expect(await likesOn([otherSession])).toHaveLength(1);
    expect((await commentsOn([otherSession])).map((c) => c.body)).toEqual(['Still here']);
    expect(existsSync(join(files.video(otherVideo), 'master.m3u8'))).toBe(true);
    expect((await stat(files.upload(otherUpload))).size).toBe(1000);
    const otherVideos = await app.request('/api/v1/me/videos', send('GET', undefined, other.owner));
    const listed = await expectJson(otherVideos, VideoPageSchema);
    expect(listed.items.map((v) => v.id).sort()).toEqual([otherVideo, otherUpload].sort());

    // A second delivery (another replica hears it too) finds nothing left to do and fails nothing.
    const targets = [
      { type: 'live_session' as const, id: endedSession },
      { type: 'live_session' as const, id: liveSession },
      { type: 'video' as const, id: video },
    ];
    await deps.services.videos.removeVideos([video, upload]);
    await deps.services.likes.removeAllOn(targets);
    await deps.services.comments.removeAllOn(targets);
    expect(await likesOn([otherSession])).toHaveLength(1);
    expect(await commentsOn([otherSession])).toHaveLength(1);
    expect(await readdir(files.collection('vod'))).toEqual([otherVideo]);
  });

  it('announces an account without a channel or videos with empty lists', async () => {
    const viewer = await registerAndLogin(app, backends);
    expect((await deleteAccount(viewer)).status).toBe(204);
    await vi.waitFor(() =>
      expect(announced.find((e) => e.userId === viewer.account.id)).toMatchObject({
        channelId: null,
        liveSessions: [],
        videoIds: [],
      }),
    );
  });
});
