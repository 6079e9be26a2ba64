import type { Database } from '@streamhub/db/client';
import { users } from '@streamhub/db/schema/users';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelsRepository } from '../channels/channels.repository.ts';
import { type NewVideo, VideosRepository } from './videos.repository.ts';

// The upload bookkeeping's SQL (quota sums over bigints, transactions, expiry order) on both drivers.
describe.each(testDatabases())('videos repository on %s', (driver) => {
  let database: Database;
  let repository: VideosRepository;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    repository = new VideosRepository(database.db);
  }, 60_000);
  afterAll(() => database?.close());

  async function user(): Promise<string> {
    const name = `u${crypto.randomUUID().slice(0, 8)}`;
    const [row] = await database.db
      .insert(users)
      .values({ email: `${name}@example.test`, username: name, passwordHash: 'x' })
      .returning({ id: users.id });
    if (!row) throw new Error('no user');
    return row.id;
  }

  const video = (ownerId: string): NewVideo => ({
    ownerId,
    channelId: null,
    title: 'T',
    description: '',
    tags: [],
    category: 'other',
    visibility: 'public',
  });

  it('counts sources and uploads in progress against the quota, beyond 32-bit sizes', async () => {
    const ownerId = await user();
    expect(await repository.bytesUsed(ownerId)).toBe(0);
    const big = 6 * 1024 ** 3;
    const soon = new Date(Date.now() + 3600_000);
    const first = await repository.createUpload(video(ownerId), {
      length: big,
      filename: 'a.mp4',
      expiresAt: soon,
    });
    const second = await repository.createUpload(video(ownerId), {
      length: 1000,
      filename: null,
      expiresAt: soon,
    });
    expect(await repository.bytesUsed(ownerId)).toBe(big + 1000);

    // Completing moves the bytes from the upload to the source; refusing frees them.
    expect(await repository.completeUpload(first.video.id, big)).toMatchObject({
      status: 'uploaded',
      sourceBytes: big,
    });
    expect(await repository.findUpload(first.video.id)).toBeUndefined();
    expect(await repository.completeUpload(first.video.id, big)).toBeUndefined();
    expect(await repository.rejectUpload(second.video.id, 'no video')).toMatchObject({
      status: 'failed',
      failureReason: 'no video',
    });
    expect(await repository.bytesUsed(ownerId)).toBe(big);
    expect(await repository.bytesUsed(await user())).toBe(0);
  });

  it('finds expired uploads, oldest first, and deletes them with their video', async () => {
    const ownerId = await user();
    const now = Date.now();
    const old = await repository.createUpload(video(ownerId), {
      length: 1,
      filename: null,
      expiresAt: new Date(now - 120_000),
    });
    const older = await repository.createUpload(video(ownerId), {
      length: 1,
      filename: null,
      expiresAt: new Date(now - 240_000),
    });
    await repository.createUpload(video(ownerId), {
      length: 1,
      filename: null,
      expiresAt: new Date(now + 60_000),
    });
    const expired = await repository.expiredUploads(new Date(now), 100);
    expect(expired.filter((id) => id === old.video.id || id === older.video.id)).toEqual([
      older.video.id,
      old.video.id,
    ]);
    await repository.delete(old.video.id);
    expect(await repository.findUpload(old.video.id)).toBeUndefined();
  });

  it('gives an upload one writer at a time and moves its offset only compare-and-set', async () => {
    const ownerId = await user();
    const { video: row } = await repository.createUpload(video(ownerId), {
      length: 100,
      filename: null,
      expiresAt: new Date(Date.now() - 1000),
    });
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    expect(await repository.claimUploadWriter(row.id, first, 60_000)).toBe(0);
    expect(await repository.claimUploadWriter(row.id, second, 60_000)).toBeUndefined();
    // A PATCH still writing is not swept, even past the expiry it extends when it ends.
    expect(await repository.expiredUploads(new Date(), 100)).not.toContain(row.id);

    expect(await repository.renewUploadWriter(row.id, second, { from: 0, to: 10 }, 60_000)).toBe(false);
    expect(await repository.renewUploadWriter(row.id, first, { from: 5, to: 10 }, 60_000)).toBe(false);
    expect(await repository.renewUploadWriter(row.id, first, { from: 0, to: 10 }, 60_000)).toBe(true);
    const later = new Date(Date.now() + 3600_000);
    expect(await repository.releaseUploadWriter(row.id, first, { from: 0, to: 20 }, later)).toBe(false);
    expect(await repository.releaseUploadWriter(row.id, first, { from: 10, to: 20 }, later)).toBe(true);
    expect(await repository.findUpload(row.id)).toMatchObject({
      offset: 20,
      patchOwner: null,
      patchLeaseUntil: null,
      expiresAt: later,
    });

    // A lease nobody renewed lapses: the next writer takes over from the committed offset.
    expect(await repository.claimUploadWriter(row.id, first, 1)).toBe(20);
    const deadline = Date.now() + 5000;
    let taken = await repository.claimUploadWriter(row.id, second, 60_000);
    while (taken === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      taken = await repository.claimUploadWriter(row.id, second, 60_000);
    }
    expect(taken).toBe(20);
    expect(await repository.renewUploadWriter(row.id, first, { from: 20, to: 30 }, 60_000)).toBe(false);
  });

  it('registers a recording once per live session', async () => {
    const ownerId = await user();
    const live = new ChannelsRepository(database.db);
    const channel = await live.createChannel({
      ownerId,
      slug: `c-${crypto.randomUUID().slice(0, 8)}`,
      title: 'C',
      category: 'other',
      tags: [],
      language: 'en',
      record: true,
    });
    const key = await live.createKey(channel.id, 'OBS', crypto.randomUUID(), 'abcdef');
    const session = await live.startSession(channel.id, key.id, `p${crypto.randomUUID().slice(0, 12)}`, null);
    const recording = {
      ...video(ownerId),
      liveSessionId: session.id,
      recordingPlaybackId: session.playbackId,
    };
    const first = await repository.createRecording(recording);
    expect(first).toMatchObject({ source: 'recording', status: 'uploaded', liveSessionId: session.id });
    expect(await repository.createRecording(recording)).toBeUndefined();

    // Waiting for processing: a restarted all-in-one gateway queues it again, until it is done.
    if (!first) throw new Error('no recording');
    expect(await repository.unfinished()).toContain(first.id);
    await repository.transition(first.id, ['uploaded'], { status: 'processing' });
    expect(await repository.unfinished()).toContain(first.id);
    await repository.transition(first.id, ['processing'], { status: 'failed', failureReason: 'x' });
    expect(await repository.unfinished()).not.toContain(first.id);
  });
});
