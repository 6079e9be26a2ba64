/**
 * The chat service on real databases: every refusal, moderation across two service instances (two
 * gateway replicas on one database) and slow mode across replicas sharing Redis counters.
 */
import { DOMAIN_EVENTS, type DomainEventPayload } from '@streamhub/contracts/events';
import {
  CHAT_HISTORY_SIZE,
  type ChatMessage,
  type RoomFrame,
  type WsErrorCode,
} from '@streamhub/contracts/realtime';
import type { Database } from '@streamhub/db/client';
import { chatMessages } from '@streamhub/db/schema/chat';
import { follows } from '@streamhub/db/schema/engagement';
import type { UserRole, UserRow, UserStatus } from '@streamhub/db/schema/users';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { AppError } from '@streamhub/errors/app-error';
import { createMemoryCounterStore } from '@streamhub/infra/counters/memory';
import type { CounterStore } from '@streamhub/infra/counters/port';
import { createRedisCounterStore } from '@streamhub/infra/counters/redis';
import { createMemoryEventBus } from '@streamhub/infra/event-bus/memory';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelsRepository } from '../channels/channels.repository.ts';
import { ChannelsService } from '../channels/channels.service.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { ChatRepository } from './chat.repository.ts';
import { type ChatActor, type ChatRateLimit, ChatService } from './chat.service.ts';
import { chatConsumers } from './chat-consumers.ts';
import { ChatRefusal } from './chat-refusal.ts';
import { ModerationRepository } from './moderation.repository.ts';
import { RecordingRoomPublisher, type RoomPublisher } from './room-publisher.ts';

// Most tests post a handful of messages quickly; the rate limit has a test of its own.
const RELAXED_RATE_LIMIT: ChatRateLimit = { max: 1000, windowMs: 1000 };

let sequence = 0;
const unique = (base: string) => `${base}${++sequence}${Math.random().toString(36).slice(2, 7)}`;

/** The refusal `work` throws; fails the test when it succeeds or throws anything else. */
async function refusal(work: Promise<unknown>): Promise<ChatRefusal> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ChatRefusal)) throw new Error(`expected a ChatRefusal, got ${String(error)}`);
  return error;
}

async function expectRefused(work: Promise<unknown>, code: WsErrorCode): Promise<ChatRefusal> {
  const error = await refusal(work);
  expect(error.code, error.detail).toBe(code);
  return error;
}

async function appError(work: Promise<unknown>, status: number, code: string): Promise<AppError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect([error.status, error.code]).toEqual([status, code]);
  return error;
}

/** Retries `work` until it resolves or the deadline passes (time-outs and slow mode end on their own). */
async function eventually<T>(work: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe.each(testDatabases())('ChatService on %s', (driver) => {
  let database: Database;
  let users: UsersRepository;
  let channels: ChannelsRepository;
  let rooms: RecordingRoomPublisher;
  let chat: ChatService;
  const events = createMemoryEventBus(DOMAIN_EVENTS, { prefix: `test-${crypto.randomUUID()}:` });

  /** One gateway replica's chat service: its own counters (unless shared) and its own publisher. */
  const replica = (
    options: { counters?: CounterStore; rooms?: RoomPublisher; rateLimit?: ChatRateLimit } = {},
  ) =>
    new ChatService({
      channels: new ChannelsService({ channels, events, publicUrl: 'https://streamhub.test' }),
      chat: new ChatRepository(database.db),
      moderation: new ModerationRepository(database.db),
      counters: options.counters ?? createMemoryCounterStore(),
      rooms: options.rooms ?? new RecordingRoomPublisher(),
      rateLimit: options.rateLimit ?? RELAXED_RATE_LIMIT,
    });

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    users = new UsersRepository(database.db);
    channels = new ChannelsRepository(database.db);
    rooms = new RecordingRoomPublisher();
    chat = replica({ rooms });
  });
  afterAll(async () => {
    await events.close();
    await database.close();
  });

  const user = (options: { role?: UserRole; status?: UserStatus; displayName?: string } = {}) => {
    const username = unique('u');
    return users.create({ email: `${username}@example.test`, username, ...options });
  };
  const actor = (row: UserRow): ChatActor => ({ userId: row.id, role: row.role });

  /** A channel with its owner, a moderator and a plain viewer. */
  const room = async () => {
    const owner = await user({ role: 'streamer' });
    const channel = await channels.createChannel({
      ownerId: owner.id,
      slug: unique('room-'),
      title: 'Chat test',
      category: 'other',
      tags: [],
      language: 'en',
      record: false,
    });
    const moderator = await user();
    const viewer = await user({ displayName: 'Vera Viewer' });
    await chat.addModerator(actor(owner), channel.slug, moderator.id);
    return { owner, moderator, viewer, channel, slug: channel.slug, channelId: channel.id };
  };

  const say = (service: ChatService, channelId: string, author: UserRow, body: string) =>
    service.post({ channelId, userId: author.id, body });

  describe('rooms and history', () => {
    it('resolves a room by slug with its rules, and refuses an unknown slug', async () => {
      const { owner, slug, channelId } = await room();
      expect(await chat.room(slug)).toEqual({
        channelId,
        slug,
        ownerId: owner.id,
        live: false,
        settings: { slowModeSeconds: 0, followersOnly: false, subscribersOnly: false },
      });
      await appError(chat.room('no-such-room'), 404, 'not_found');
    });

    it('stores a message, trimmed, and announces it to the room', async () => {
      const { viewer, channelId, slug } = await room();
      const message = await say(chat, channelId, viewer, '  hello chat  ');
      expect(message).toMatchObject({
        body: 'hello chat',
        author: { id: viewer.id, username: viewer.username, displayName: 'Vera Viewer', subscriber: false },
      });
      expect(rooms.framesOf(channelId)).toContainEqual({ type: 'chat.message', channel: slug, message });
      expect(await chat.history(channelId)).toEqual([message]);
    });

    it('tags a message with the live session while the channel is live', async () => {
      const { owner, viewer, channelId, slug } = await room();
      const key = await channels.createKey(channelId, 'OBS', unique('hash'), 'abcdef');
      const session = await channels.startSession(channelId, key.id, unique('pb'));
      expect((await chat.room(slug)).live).toBe(true);
      const during = await say(chat, channelId, viewer, 'live!');
      await channels.endSession(session.id, false);
      const after = await say(chat, channelId, owner, 'thanks for watching');
      const sessionOf = async (id: string) =>
        (await database.db.select().from(chatMessages).where(eq(chatMessages.id, id)))[0]?.sessionId;
      expect(await sessionOf(during.id)).toBe(session.id);
      expect(await sessionOf(after.id)).toBeNull();
    });

    it('stores a message after the newest one even when the clock has not moved past it', async () => {
      const { viewer, channelId } = await room();
      // A message stamped ahead of the clock stands for one stored in the same tick: PGlite's clock
      // moves in whole milliseconds, and a tie would leave the order to the random ids.
      await database.db
        .insert(chatMessages)
        .values({ channelId, authorId: viewer.id, body: 'ahead', createdAt: new Date(Date.now() + 60_000) });
      await say(chat, channelId, viewer, 'next');
      expect((await chat.history(channelId)).map((message) => message.body)).toEqual(['ahead', 'next']);
    });

    it('refuses bodies that are empty, too long or carry control characters, storing nothing', async () => {
      const { viewer, channelId } = await room();
      for (const body of ['', '   ', 'x'.repeat(501), 'bell\u0007']) {
        await expectRefused(say(chat, channelId, viewer, body), 'invalid_frame');
      }
      expect(await chat.history(channelId)).toEqual([]);
    });

    it('gives the last CHAT_HISTORY_SIZE messages oldest first, without deleted ones', async () => {
      const { owner, viewer, channelId, slug } = await room();
      const repository = new ChatRepository(database.db);
      for (let i = 0; i < CHAT_HISTORY_SIZE + 5; i++) {
        await repository.insertMessage({ channelId, authorId: viewer.id, body: `m${i}` });
      }
      const history = await chat.history(channelId);
      expect(history.map((message) => message.body)).toEqual(
        Array.from({ length: CHAT_HISTORY_SIZE }, (_, i) => `m${i + 5}`),
      );
      const doomed = history[10] as ChatMessage;
      await chat.deleteMessage(actor(owner), slug, doomed.id);
      const after = await chat.history(channelId);
      expect(after).toHaveLength(CHAT_HISTORY_SIZE);
      expect(after.map((message) => message.id)).not.toContain(doomed.id);
      // The window slides back by one to fill the gap.
      expect(after[0]?.body).toBe('m4');
    });

    it('pages the history backwards with a cursor', async () => {
      const { viewer, channelId, slug } = await room();
      for (const body of ['one', 'two', 'three', 'four', 'five']) await say(chat, channelId, viewer, body);
      const first = await chat.messages(slug, { limit: 2 });
      expect(first.items.map((message) => message.body)).toEqual(['five', 'four']);
      const second = await chat.messages(slug, { limit: 2, cursor: first.nextCursor ?? '' });
      expect(second.items.map((message) => message.body)).toEqual(['three', 'two']);
      const last = await chat.messages(slug, { limit: 2, cursor: second.nextCursor ?? '' });
      expect(last).toEqual({ items: [expect.objectContaining({ body: 'one' })], nextCursor: null });
      await appError(chat.messages(slug, { limit: 2, cursor: 'not-a-cursor' }), 422, 'validation_failed');
    });
  });

  describe('refusals', () => {
    it('refuses a suspended account', async () => {
      const { channelId } = await room();
      const suspended = await user({ status: 'suspended' });
      await expectRefused(say(chat, channelId, suspended, 'hi'), 'account_suspended');
    });

    it('refuses a banned user with the reason, on every replica, until unbanned', async () => {
      const { moderator, viewer, channelId, slug } = await room();
      const other = replica();
      await say(other, channelId, viewer, 'before');
      const ban = await chat.ban(actor(moderator), slug, viewer.id, 'spam links');
      expect(ban).toMatchObject({ kind: 'ban', expiresAt: null, reason: 'spam links' });
      const refused = await expectRefused(say(other, channelId, viewer, 'after'), 'banned');
      expect(refused.detail).toContain('spam links');
      expect(refused.retryAfterMs).toBeUndefined();
      await expectRefused(say(chat, channelId, viewer, 'after'), 'banned');

      await other.unban(actor(moderator), slug, viewer.id);
      await say(chat, channelId, viewer, 'back again');
    });

    it('refuses a timed-out user with the time left, then lets them post once it ends', async () => {
      const { owner, viewer, channelId, slug } = await room();
      const timeout = await chat.timeout(actor(owner), slug, viewer.id, 1, 'cool down');
      expect(timeout.kind).toBe('timeout');
      expect(Date.parse(timeout.expiresAt ?? '')).toBeGreaterThan(Date.now() - 1000);
      const refused = await expectRefused(say(chat, channelId, viewer, 'too soon'), 'timed_out');
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs));
      const message = await eventually(() => say(chat, channelId, viewer, 'back'));
      expect(message.body).toBe('back');
      expect((await chat.restrictions(actor(owner), slug)).items).toEqual([]);
    });

    it('in followers-only mode refuses a non-follower and accepts followers, the owner and moderators', async () => {
      const { owner, moderator, viewer, channelId, slug } = await room();
      await chat.updateSettings(actor(owner), slug, { followersOnly: true });
      await expectRefused(say(chat, channelId, viewer, 'hi'), 'followers_only');
      await database.db.insert(follows).values({ followerId: viewer.id, channelId });
      await say(chat, channelId, viewer, 'now I follow');
      await say(chat, channelId, owner, 'welcome');
      await say(chat, channelId, moderator, 'hello from the mods');
    });

    it('in slow mode refuses a second message within the interval, sparing owner and moderators', async () => {
      const { owner, moderator, viewer, channelId, slug } = await room();
      await chat.updateSettings(actor(moderator), slug, { slowModeSeconds: 1 });
      await say(chat, channelId, viewer, 'first');
      const refused = await expectRefused(say(chat, channelId, viewer, 'second'), 'slow_mode');
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      for (const body of ['a', 'b', 'c']) {
        await say(chat, channelId, owner, body);
        await say(chat, channelId, moderator, body);
      }
      await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs));
      await eventually(() => say(chat, channelId, viewer, 'second, later'));
    });

    it('rate-limits a user per channel', async () => {
      const { viewer, channelId } = await room();
      const elsewhere = await room();
      const limited = replica({ rateLimit: { max: 5, windowMs: 5000 } });
      for (let i = 0; i < 5; i++) await say(limited, channelId, viewer, `burst ${i}`);
      const refused = await expectRefused(say(limited, channelId, viewer, 'one too many'), 'rate_limited');
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(5000);
      await say(limited, elsewhere.channelId, viewer, 'another room is fine');
    });

    it('keeps slow mode across replicas that share Redis counters', async () => {
      const prefix = randomTestPrefix('chat');
      const [countersA, countersB] = await Promise.all([
        createRedisCounterStore({ url: TEST_REDIS_URL, prefix }),
        createRedisCounterStore({ url: TEST_REDIS_URL, prefix }),
      ]);
      try {
        const { owner, viewer, channelId, slug } = await room();
        await chat.updateSettings(actor(owner), slug, { slowModeSeconds: 30 });
        await say(replica({ counters: countersA }), channelId, viewer, 'on replica A');
        await expectRefused(say(replica({ counters: countersB }), channelId, viewer, 'on B'), 'slow_mode');
      } finally {
        await Promise.all([countersA.close(), countersB.close()]);
        await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
      }
    });
  });

  describe('moderation', () => {
    it('lets authors delete their own messages and moderators delete viewers’ messages', async () => {
      const { owner, moderator, viewer, channelId, slug } = await room();
      const mine = await say(chat, channelId, viewer, 'oops');
      const rude = await say(chat, channelId, viewer, 'rude');
      const bystander = await user();
      await appError(chat.deleteMessage(actor(bystander), slug, rude.id), 403, 'forbidden');

      await chat.deleteMessage(actor(viewer), slug, mine.id);
      await chat.deleteMessage(actor(moderator), slug, rude.id);
      // Deleting again changes nothing and announces nothing.
      await chat.deleteMessage(actor(owner), slug, rude.id);
      const deletions = rooms.framesOf(channelId).filter((frame) => frame.type === 'chat.deleted');
      expect(deletions).toEqual([
        { type: 'chat.deleted', channel: slug, messageId: mine.id },
        { type: 'chat.deleted', channel: slug, messageId: rude.id },
      ]);
      expect(await chat.history(channelId)).toEqual([]);
      const log = await chat.moderationLog(actor(owner), slug, { limit: 10 });
      expect(log.items.map((entry) => [entry.action, entry.actor?.id, entry.message?.body])).toEqual([
        ['delete_message', moderator.id, 'rude'],
        ['delete_message', viewer.id, 'oops'],
        ['add_moderator', owner.id, undefined],
      ]);
    });

    it("keeps a moderator from deleting the owner's or another moderator's messages; admins may", async () => {
      const { owner, moderator, channelId, slug } = await room();
      const second = await user();
      await chat.addModerator(actor(owner), slug, second.id);
      const fromOwner = await say(chat, channelId, owner, 'owner speaking');
      const fromModerator = await say(chat, channelId, second, 'mod speaking');
      await appError(chat.deleteMessage(actor(moderator), slug, fromOwner.id), 403, 'chat_target_protected');
      await appError(
        chat.deleteMessage(actor(moderator), slug, fromModerator.id),
        403,
        'chat_target_protected',
      );
      const admin = await user({ role: 'admin' });
      await chat.deleteMessage(actor(admin), slug, fromOwner.id);
      await chat.deleteMessage(actor(owner), slug, fromModerator.id);
      await appError(chat.deleteMessage(actor(owner), slug, crypto.randomUUID()), 404, 'not_found');
      // A message of another channel is not found through this one.
      const elsewhere = await room();
      const foreign = await say(chat, elsewhere.channelId, elsewhere.viewer, 'elsewhere');
      await appError(chat.deleteMessage(actor(owner), slug, foreign.id), 404, 'not_found');
    });

    it('protects the owner, oneself and (from moderators) other moderators', async () => {
      const { owner, moderator, viewer, slug } = await room();
      const second = await user();
      await chat.addModerator(actor(owner), slug, second.id);
      const protectedCases: [ChatActor, string][] = [
        [actor(moderator), owner.id],
        [actor(moderator), second.id],
        [actor(moderator), moderator.id],
        [actor(owner), owner.id],
      ];
      for (const [by, target] of protectedCases) {
        await appError(chat.ban(by, slug, target), 403, 'chat_target_protected');
        await appError(chat.timeout(by, slug, target, 60), 403, 'chat_target_protected');
        await appError(chat.unban(by, slug, target), 403, 'chat_target_protected');
      }
      await appError(chat.ban(actor(viewer), slug, moderator.id), 403, 'forbidden');
      await appError(chat.ban(actor(owner), slug, crypto.randomUUID()), 404, 'not_found');
      await appError(chat.timeout(actor(owner), slug, viewer.id, 0), 422, 'validation_failed');
      await appError(chat.timeout(actor(owner), slug, viewer.id, 14 * 86400 + 1), 422, 'validation_failed');
    });

    it('lets the owner ban a moderator, who stops being one, and logs both', async () => {
      const { owner, moderator, viewer, channelId, slug } = await room();
      await chat.ban(actor(owner), slug, moderator.id, 'abused the tools');
      expect((await chat.moderators(actor(owner), slug)).items).toEqual([]);
      await expectRefused(say(chat, channelId, moderator, 'hello?'), 'banned');
      await appError(chat.ban(actor(moderator), slug, viewer.id), 403, 'forbidden');
      const log = await chat.moderationLog(actor(owner), slug, { limit: 10 });
      expect(log.items.map((entry) => [entry.action, entry.target?.username, entry.reason])).toEqual([
        ['ban', moderator.username, 'abused the tools'],
        ['remove_moderator', moderator.username, 'banned'],
        ['add_moderator', moderator.username, null],
      ]);
    });

    it('announces bans, time-outs, unbans and rule changes to the room', async () => {
      const { owner, viewer, channelId, slug } = await room();
      const before = rooms.framesOf(channelId).length;
      const timeout = await chat.timeout(actor(owner), slug, viewer.id, 600, 'calm down');
      await chat.ban(actor(owner), slug, viewer.id);
      await chat.unban(actor(owner), slug, viewer.id);
      await chat.unban(actor(owner), slug, viewer.id);
      await chat.updateSettings(actor(owner), slug, { slowModeSeconds: 10 });
      const target = { id: viewer.id, username: viewer.username };
      expect(rooms.framesOf(channelId).slice(before)).toEqual([
        {
          type: 'moderation',
          channel: slug,
          action: 'timeout',
          user: target,
          until: timeout.expiresAt,
          reason: 'calm down',
        },
        { type: 'moderation', channel: slug, action: 'ban', user: target, until: null, reason: null },
        { type: 'moderation', channel: slug, action: 'unban', user: target, until: null, reason: null },
        {
          type: 'chat.settings',
          channel: slug,
          settings: { slowModeSeconds: 10, followersOnly: false, subscribersOnly: false },
        },
      ]);
      expect(await chat.settings(slug)).toEqual({
        slowModeSeconds: 10,
        followersOnly: false,
        subscribersOnly: false,
      });
    });

    it('lets only the owner and admins manage moderators and read the log', async () => {
      const { owner, moderator, viewer, slug } = await room();
      await appError(chat.addModerator(actor(moderator), slug, viewer.id), 403, 'forbidden');
      await appError(chat.moderators(actor(moderator), slug), 403, 'forbidden');
      await appError(chat.moderationLog(actor(moderator), slug, { limit: 10 }), 403, 'forbidden');
      await appError(chat.addModerator(actor(owner), slug, owner.id), 409, 'conflict');
      const admin = await user({ role: 'admin' });
      const added = await chat.addModerator(actor(admin), slug, viewer.id);
      expect(added.user).toEqual({ id: viewer.id, username: viewer.username, displayName: 'Vera Viewer' });
      // Appointing again changes nothing and logs nothing.
      expect(await chat.addModerator(actor(owner), slug, viewer.id)).toEqual(added);
      expect((await chat.moderators(actor(owner), slug)).items.map((m) => m.user.id)).toEqual([
        moderator.id,
        viewer.id,
      ]);
      await chat.removeModerator(actor(owner), slug, viewer.id);
      await chat.removeModerator(actor(owner), slug, viewer.id);
      const log = await chat.moderationLog(actor(admin), slug, { limit: 10 });
      expect(log.items.map((entry) => [entry.action, entry.actor?.id, entry.target?.id])).toEqual([
        ['remove_moderator', owner.id, viewer.id],
        ['add_moderator', admin.id, viewer.id],
        ['add_moderator', owner.id, moderator.id],
      ]);
    });
  });

  describe('tip highlights', () => {
    const tipTo = (channelId: string): DomainEventPayload<'tip.received'> => ({
      paymentId: crypto.randomUUID(),
      channelId,
      creatorId: crypto.randomUUID(),
      payerId: null,
      amount: 500,
      currency: 'usd',
      platformFee: 50,
      creatorAmount: 450,
      message: 'gg',
      provider: 'stripe',
      entryId: crypto.randomUUID(),
      receivedAt: new Date().toISOString(),
    });

    it('highlights a batch of tips once each; a frame that fails fails only its own tip', async () => {
      const first = await room();
      const second = await room();
      const refusing = await room();
      // A room whose frame cannot be sent: its tip's job fails, the others' do not.
      let refuse = true;
      const highlights = new RecordingRoomPublisher();
      const flaky: RoomPublisher = {
        async publish(channelId: string, frame: RoomFrame) {
          if (refuse && channelId === refusing.channelId) throw new Error('room unreachable');
          await highlights.publish(channelId, frame);
        },
      };
      const [consumer] = chatConsumers({ chat: replica({ rooms: flaky }) });
      if (consumer?.mode !== 'idempotent') throw new Error('the tip highlights consumer is idempotent');
      const job = (payload: DomainEventPayload<'tip.received'>) =>
        consumer.handle(
          {
            id: crypto.randomUUID(),
            name: 'tip.received',
            payload,
            aggregate: `channel:${payload.channelId}`,
            seq: 1,
            createdAt: new Date().toISOString(),
          },
          {
            attempt: 1,
            jobId: crypto.randomUUID(),
            signal: new AbortController().signal,
            progress: async () => {},
          },
        );
      const tips = [
        tipTo(first.channelId),
        tipTo(second.channelId),
        tipTo(first.channelId),
        tipTo(crypto.randomUUID()),
        tipTo(refusing.channelId),
      ];
      // The jobs of one relay batch start in one turn: one channel read for all of them.
      const outcomes = await Promise.allSettled(tips.map(job));
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
      ]);
      const paymentsIn = (channelId: string) =>
        highlights
          .framesOf(channelId)
          .map((frame) => (frame.type === 'chat.tip' ? frame.tip.paymentId : undefined));
      expect(paymentsIn(first.channelId).sort()).toEqual([tips[0]?.paymentId, tips[2]?.paymentId].sort());
      expect(paymentsIn(second.channelId)).toEqual([tips[1]?.paymentId]);
      expect(highlights.framesOf(first.channelId)[0]).toMatchObject({
        type: 'chat.tip',
        channel: first.slug,
      });
      expect(paymentsIn(refusing.channelId)).toEqual([]);
      // The failed tip's retry shows it once, and nothing of the others again.
      refuse = false;
      await job(tips[4] as DomainEventPayload<'tip.received'>);
      expect(paymentsIn(refusing.channelId)).toEqual([tips[4]?.paymentId]);
      expect(highlights.frames).toHaveLength(4);
    });
  });
});
