/**
 * The go-live fan-out in several keyset chunks (docs/notifications.md): every follower stored once
 * across chunk boundaries, the muter and the owner left out, a repeat storing nothing, and each chunk's
 * frames travelling as one user batch that carries exactly the stored in-app rows.
 */
import { randomUUID } from 'node:crypto';
import { channels } from '@streamhub/db/schema/channels';
import { follows } from '@streamhub/db/schema/engagement';
import { channelMutes, notifications } from '@streamhub/db/schema/notifications';
import { users } from '@streamhub/db/schema/users';
import { testDatabases } from '@streamhub/db/testing';
import { createMemoryRoomBroadcaster } from '@streamhub/infra/realtime/rooms/memory';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastingNotificationPublisher } from '../../realtime/create-hub.ts';
import { deliverUserBatch, USER_BATCH_ROOM } from '../../realtime/user-batch.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { NotificationsRepository } from './notifications.repository.ts';
import { NotificationsService } from './notifications.service.ts';
import { UnsubscribeTokens } from './unsubscribe-tokens.ts';

describe.each(testDatabases())('go-live fan-out in keyset chunks on %s', (driver) => {
  let backends: TestBackends;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
  });
  afterAll(async () => {
    await backends.close();
  });

  it('stores each follower once across chunks, minus the muter and the owner, and frames each batch', async () => {
    const { db } = backends.database;
    const tag = randomUUID().slice(0, 8);
    const made = await db
      .insert(users)
      .values(
        Array.from({ length: 12 }, (_, i) => ({
          email: `fo${i}-${tag}@example.test`,
          username: `fo${i}_${tag}`,
        })),
      )
      .returning({ id: users.id });
    const [owner, muter, ...followers] = made.map((row) => row.id);
    if (!owner || !muter) throw new Error('no users');
    const channelId = randomUUID();
    await db
      .insert(channels)
      .values({ id: channelId, ownerId: owner, slug: `fo-${tag}`, title: 'Fan-out', category: 'talk' });
    await db
      .insert(follows)
      .values([owner, muter, ...followers].map((followerId) => ({ followerId, channelId })));
    await db.insert(channelMutes).values({ userId: muter, channelId });

    const rooms = createMemoryRoomBroadcaster({ prefix: `fan-out-${tag}:` });
    const framed: string[] = [];
    let batches = 0;
    rooms.subscribe((room, message) => {
      if (room !== USER_BATCH_ROOM) return;
      batches += 1;
      deliverUserBatch(
        message,
        () => true,
        (userId, frame) => {
          const { notification } = JSON.parse(frame) as {
            notification: { id: string; data: { slug: string } };
          };
          expect(notification.data.slug).toBe(`fo-${tag}`);
          framed.push(`${userId}:${notification.id}`);
        },
      );
    });
    // The real repository, with the size each statement was asked for written down.
    const sizes: number[] = [];
    const repository = new NotificationsRepository(db);
    const insertFanOut = repository.insertFanOut.bind(repository);
    repository.insertFanOut = (eventId, draft, delivery, chunk) => {
      if (chunk) sizes.push(chunk.size);
      return insertFanOut(eventId, draft, delivery, chunk);
    };
    const service = new NotificationsService({
      notifications: repository,
      channels: backends.deps().services.channels,
      lookups: { commentAuthorOf: async () => undefined },
      publisher: broadcastingNotificationPublisher(rooms),
      jobs: backends.jobs,
      tokens: new UnsubscribeTokens(backends.signingKeys),
      defaultDigest: 'off',
      vapidPublicKey: undefined,
      logger: { info: () => {} },
      // 12 followers (the owner and the muter among them) in a chunk of 3, then chunks of 2 (any
      // statement is slower than the target, so each chunk halves down to the floor): six chunks, the
      // last open. A size that changes between chunks still walks every follower once.
      fanOutChunks: { initial: 3, min: 2, max: 3, targetMs: Number.MIN_VALUE },
    });
    const event = {
      id: randomUUID(),
      name: 'stream.started' as const,
      payload: {
        sessionId: randomUUID(),
        channelId,
        playbackId: `pb-${tag}`,
        slug: `fo-${tag}`,
        ownerId: owner,
        record: false,
        startedAt: new Date().toISOString(),
      },
    };
    expect(await service.notify(event)).toBe(followers.length);
    // 11 candidates (the owner is never one): 3 + 2 + 2 + 2 + 2, then an empty chunk ends the walk.
    expect(sizes).toEqual([3, 2, 2, 2, 2, 2]);
    expect(await service.notify(event)).toBe(0);

    const rows = await db
      .select({ id: notifications.id, userId: notifications.userId })
      .from(notifications)
      .where(eq(notifications.eventId, event.id));
    expect(rows.map((row) => row.userId).sort()).toEqual([...followers].sort());
    await expect.poll(() => framed.length).toBe(followers.length);
    expect(framed.sort()).toEqual(rows.map((row) => `${row.userId}:${row.id}`).sort());
    // One message per chunk that stored something; the repeat published nothing.
    expect(batches).toBeLessThanOrEqual(6);

    // A retry after a fan-out that stopped part-way: the first chunks store nothing, and the walk still
    // goes on to the last one, whose missing row (the highest follower id's) is stored.
    const lastFollower = [...followers].sort().at(-1) ?? '';
    await db
      .delete(notifications)
      .where(and(eq(notifications.eventId, event.id), eq(notifications.userId, lastFollower)));
    expect(await service.notify(event)).toBe(1);
    await rooms.close();
  });
});
