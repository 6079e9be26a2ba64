/**
 * Join reads on real databases and real Redis: a join storm costs the queries of one join, and every
 * change (message, deletion, rules, stream start) reaches the next join on the replica that made it
 * and on another replica sharing the database. Queries are counted by drizzle's query logger on the
 * replica's own connection to the database, not by replacing anything.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import type { ChatMessage } from '@streamhub/contracts/realtime';
import type { Database, Db } from '@streamhub/db/client';
import { schema } from '@streamhub/db/schema/index';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { createMemoryCounterStore } from '@streamhub/infra/counters/memory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createRedisEventBus } from '@streamhub/infra/event-bus/redis';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import { createRedisRoomBroadcaster } from '@streamhub/infra/realtime/rooms/redis';
import { randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastingRoomPublisher } from '../../realtime/create-hub.ts';
import { ChannelsRepository } from '../channels/channels.repository.ts';
import { ChannelsService } from '../channels/channels.service.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { CachedChatRooms } from './cached-chat-rooms.ts';
import { ChatRepository } from './chat.repository.ts';
import { ChatService } from './chat.service.ts';
import { ModerationRepository } from './moderation.repository.ts';

let sequence = 0;
const unique = (base: string) => `${base}${++sequence}${Math.random().toString(36).slice(2, 7)}`;

/** A drizzle handle on the test database's own client that records every statement it sends. */
function countingDb(database: Database): { db: Db; queries: string[] } {
  const queries: string[] = [];
  const logger = { logQuery: (query: string) => void queries.push(query) };
  const db: Db =
    database.driver === 'pglite'
      ? drizzlePglite({ client: database.client, schema, logger })
      : drizzlePostgres({ client: database.client, schema, logger });
  return { db, queries };
}

interface Replica {
  chat: ChatService;
  channels: ChannelsService;
  reads: CachedChatRooms;
  broadcaster: RoomBroadcaster;
  events: EventBus<DomainEvents>;
  queries: string[];
}

/** What the realtime hub reads on a join. */
async function join(reads: Pick<ChatService, 'room' | 'history'>, slug: string) {
  const room = await reads.room(slug);
  return { room, history: await reads.history(room.channelId) };
}

/** Resolves when `broadcaster` has handed a frame of `type` for `room` to its subscribers. */
function frameArrives(broadcaster: RoomBroadcaster, room: string, type: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = broadcaster.subscribe((to, frame) => {
      if (to === room && (JSON.parse(frame) as { type: string }).type === type) {
        stop();
        resolve();
      }
    });
  });
}

const bodies = (history: ChatMessage[]) => history.map((message) => message.body);

const channelInput = (slug: string) => ({
  slug,
  title: 'Cache test',
  category: 'other' as const,
  tags: [],
  language: 'en',
  record: false,
});

describe.each(testDatabases())('CachedChatRooms on %s with two replicas over Redis', (driver) => {
  let database: Database;
  let users: UsersRepository;
  let a: Replica;
  let b: Replica;
  const prefix = randomTestPrefix('chat-rooms');

  // Each replica: its own connection to the database (counted), broadcaster, event bus and cache.
  const replica = async (): Promise<Replica> => {
    const { db, queries } = countingDb(database);
    const broadcaster = await createRedisRoomBroadcaster({ url: TEST_REDIS_URL, prefix });
    const events = await createRedisEventBus(DOMAIN_EVENTS, { url: TEST_REDIS_URL, prefix });
    const channels = new ChannelsService({
      channels: new ChannelsRepository(db),
      events,
      publicUrl: 'https://streamhub.test',
    });
    const chat = new ChatService({
      channels,
      chat: new ChatRepository(db),
      moderation: new ModerationRepository(db),
      counters: createMemoryCounterStore(),
      rooms: broadcastingRoomPublisher(broadcaster),
      rateLimit: { max: 1000, windowMs: 1000 },
    });
    // Long enough that only an invalidation can explain a fresh read within a test.
    const reads = new CachedChatRooms({ chat, rooms: broadcaster, events, maxAgeMs: 60_000 });
    await Promise.all([broadcaster.ready(), events.ready()]);
    return { chat, channels, reads, broadcaster, events, queries };
  };

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    users = new UsersRepository(database.db);
    a = await replica();
    b = await replica();
  });
  afterAll(async () => {
    for (const { reads, broadcaster, events } of [a, b]) {
      reads.close();
      await broadcaster.close();
      await events.close();
    }
    await database.close();
  });

  const user = (role: 'viewer' | 'streamer' = 'viewer') => {
    const username = unique('u');
    return users.create({ email: `${username}@example.test`, username, role });
  };

  /** A channel with two messages in its chat. */
  const room = async () => {
    const owner = await user('streamer');
    const viewer = await user();
    const { slug, id: channelId } = await a.channels.create(owner.id, channelInput(unique('room-')));
    for (const body of ['first', 'second']) await a.chat.post({ channelId, userId: viewer.id, body });
    return { owner, viewer, slug, channelId, actor: { userId: owner.id, role: owner.role } };
  };

  /** Queries `work` sent through `replica`'s connection. */
  const queriesDuring = async <T>(replica: Replica, work: () => Promise<T>) => {
    const before = replica.queries.length;
    const result = await work();
    return { result, queries: replica.queries.slice(before) };
  };

  it('answers a storm of concurrent joins with the queries of a single join', async () => {
    const { slug } = await room();
    const single = await queriesDuring(a, () => join(a.chat, slug));
    const storm = await queriesDuring(a, () =>
      Promise.all(Array.from({ length: 1000 }, () => join(a.reads, slug))),
    );
    expect(storm.queries).toEqual(single.queries);
    for (const joined of storm.result) expect(joined).toEqual(single.result);
    expect(bodies(single.result.history)).toEqual(['first', 'second']);
    // And later joins come from the cache until something changes.
    expect((await queriesDuring(a, () => join(a.reads, slug))).queries).toEqual([]);
  });

  it('shows a new message to the next join on the replica that stored it and on another', async () => {
    const { slug, channelId, viewer } = await room();
    await join(a.reads, slug);
    await join(b.reads, slug);
    const seen = [a, b].map((replica) => frameArrives(replica.broadcaster, channelId, 'chat.message'));
    await a.chat.post({ channelId, userId: viewer.id, body: 'third' });
    await Promise.all(seen);
    for (const replica of [a, b]) {
      const { result, queries } = await queriesDuring(replica, () => join(replica.reads, slug));
      expect(bodies(result.history)).toEqual(['first', 'second', 'third']);
      // The room itself was not changed by a message: only the history is read again.
      expect(queries).toHaveLength(1);
    }
  });

  it('drops a deleted message from the next join on every replica', async () => {
    const { slug, channelId, actor } = await room();
    const { history } = await join(b.reads, slug);
    const seen = frameArrives(b.broadcaster, channelId, 'chat.deleted');
    await a.chat.deleteMessage(actor, slug, (history[0] as ChatMessage).id);
    await seen;
    expect(bodies((await join(b.reads, slug)).history)).toEqual(['second']);
  });

  it('gives the next join new chat rules and the live flag, and ignores bans', async () => {
    const { slug, channelId, actor, viewer } = await room();
    expect((await join(b.reads, slug)).room.settings.slowModeSeconds).toBe(0);

    const rulesSeen = frameArrives(b.broadcaster, channelId, 'chat.settings');
    await a.chat.updateSettings(actor, slug, { slowModeSeconds: 10 });
    await rulesSeen;
    expect((await join(b.reads, slug)).room.settings).toEqual({
      slowModeSeconds: 10,
      followersOnly: false,
      subscribersOnly: false,
    });

    const { secret } = await a.channels.createKey(actor.userId, slug, 'OBS');
    const started = new Promise<void>((resolve) => {
      const stop = b.events.subscribe('stream.started', () => {
        stop();
        resolve();
      });
    });
    const decision = await a.channels.authorizePublish(secret);
    expect(decision.ok).toBe(true);
    await started;
    expect((await join(b.reads, slug)).room.live).toBe(true);

    // A ban changes who may post, not what a join shows: the cache stays.
    const banSeen = frameArrives(b.broadcaster, channelId, 'moderation');
    await a.chat.ban(actor, slug, viewer.id);
    await banSeen;
    expect((await queriesDuring(b, () => join(b.reads, slug))).queries).toEqual([]);
  });

  it('shares a failed lookup with the joins waiting for it and does not keep it', async () => {
    const slug = unique('not-yet-');
    const failures = await Promise.allSettled([b.reads.room(slug), b.reads.room(slug)]);
    expect(failures.map((failure) => failure.status)).toEqual(['rejected', 'rejected']);
    const owner = await user('streamer');
    await a.channels.create(owner.id, channelInput(slug));
    expect((await b.reads.room(slug)).slug).toBe(slug);
  });
});
