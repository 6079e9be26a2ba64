/** The chat and moderation REST routes over the real gateway app, on PGlite and PostgreSQL. */

import { ChannelSchema } from '@streamhub/contracts/channels';
import {
  ChannelModeratorListSchema,
  ChannelModeratorSchema,
  ChatMessagePageSchema,
  ChatRestrictionListSchema,
  ChatRestrictionSchema,
  ModerationLogPageSchema,
} from '@streamhub/contracts/chat';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { ChatSettingsSchema } from '@streamhub/contracts/realtime';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { RecordingRoomPublisher } from './room-publisher.ts';

const problem = async (response: Response, status: number, code: string) => {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = ProblemSchema.parse(await response.json());
  expect(body.code).toBe(code);
  return body;
};

const send = (method: string, body?: unknown, user?: SignedInUser): RequestInit => ({
  method,
  headers: {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(user ? { Authorization: user.authorization } : {}),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

let slugCounter = 0;
const uniqueSlug = () => `chat-${++slugCounter}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(testDatabases())('chat and moderation routes on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  const rooms = new RecordingRoomPublisher();

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps({}, {}, { roomPublisher: rooms, chatRateLimit: { max: 1000, windowMs: 1000 } });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  const request = (path: string, init?: RequestInit) => app.request(path, init);

  /** A channel with its owner, one moderator appointed over the API, and a viewer. */
  const room = async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const created = await request(
      '/api/v1/channels',
      send('POST', { slug: uniqueSlug(), title: 'Chat' }, owner),
    );
    expect(created.status, await created.clone().text()).toBe(201);
    const channel = ChannelSchema.parse(await created.json());
    const moderator = await registerAndLogin(app, backends);
    const viewer = await registerAndLogin(app, backends);
    const appointed = await request(
      `/api/v1/channels/${channel.slug}/moderators/${moderator.account.id}`,
      send('PUT', undefined, owner),
    );
    expect(appointed.status, await appointed.clone().text()).toBe(200);
    const base = `/api/v1/channels/${channel.slug}`;
    return { owner, moderator, viewer, channel, slug: channel.slug, base };
  };

  const say = (channelId: string, author: SignedInUser, body: string) =>
    deps.services.chat.post({ channelId, userId: author.account.id, body });

  it('documents every chat operation in the OpenAPI document', async () => {
    const doc = (await (await request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ids = Object.entries(doc.paths)
      .filter(([path]) => /\/(chat|moderators|moderation-log)/.test(path))
      .flatMap(([, operations]) => Object.values(operations).map((operation) => operation.operationId));
    expect(ids.sort()).toEqual(
      [
        'addChannelModerator',
        'banChatUser',
        'deleteChatMessage',
        'getChatSettings',
        'listChannelModerators',
        'listChatMessages',
        'listChatRestrictions',
        'listModerationLog',
        'removeChannelModerator',
        'timeoutChatUser',
        'unbanChatUser',
        'updateChatSettings',
      ].sort(),
    );
  });

  describe('history', () => {
    it('is public, newest first, paged backwards, without deleted messages', async () => {
      const { viewer, moderator, channel, base } = await room();
      const sent = [];
      for (const body of ['one', 'two', 'three']) sent.push(await say(channel.id, viewer, body));
      const deleted = await request(
        `${base}/chat/messages/${sent[1]?.id}`,
        send('DELETE', undefined, moderator),
      );
      expect(deleted.status).toBe(204);

      const first = ChatMessagePageSchema.parse(
        await (await request(`${base}/chat/messages?limit=1`)).json(),
      );
      expect(first.items.map((message) => message.body)).toEqual(['three']);
      const second = ChatMessagePageSchema.parse(
        await (await request(`${base}/chat/messages?limit=1&cursor=${first.nextCursor}`)).json(),
      );
      expect(second).toEqual({ items: [sent[0]], nextCursor: null });

      await problem(await request(`${base}/chat/messages?cursor=bogus`), 422, 'validation_failed');
      await problem(await request(`${base}/chat/messages?limit=0`), 422, 'validation_failed');
      await problem(await request('/api/v1/channels/no-such-room/chat/messages'), 404, 'not_found');
    });
  });

  describe('deleting messages', () => {
    it('lets the author and moderators delete, refuses others, and announces it', async () => {
      const { viewer, moderator, owner, channel, slug, base } = await room();
      const stranger = await registerAndLogin(app, backends);
      const message = await say(channel.id, viewer, 'regrettable');
      const path = `${base}/chat/messages/${message.id}`;
      await problem(await request(path, send('DELETE')), 401, 'invalid_token');
      await problem(await request(path, send('DELETE', undefined, stranger)), 403, 'forbidden');
      const ownerMessage = await say(channel.id, owner, 'from the owner');
      await problem(
        await request(`${base}/chat/messages/${ownerMessage.id}`, send('DELETE', undefined, moderator)),
        403,
        'chat_target_protected',
      );
      expect((await request(path, send('DELETE', undefined, viewer))).status).toBe(204);
      expect((await request(path, send('DELETE', undefined, moderator))).status).toBe(204);
      expect(rooms.framesOf(channel.id).filter((frame) => frame.type === 'chat.deleted')).toEqual([
        { type: 'chat.deleted', channel: slug, messageId: message.id },
      ]);

      const malformed = await problem(
        await request(`${base}/chat/messages/not-a-uuid`, send('DELETE', undefined, owner)),
        422,
        'validation_failed',
      );
      expect(malformed.errors?.map((error) => error.path)).toEqual(['path.id']);
      await problem(
        await request(`${base}/chat/messages/${crypto.randomUUID()}`, send('DELETE', undefined, owner)),
        404,
        'not_found',
      );
    });
  });

  describe('settings', () => {
    it('are public to read and changed by the owner and moderators only', async () => {
      const { viewer, moderator, channel, slug, base } = await room();
      const path = `${base}/chat/settings`;
      expect(ChatSettingsSchema.parse(await (await request(path)).json())).toEqual({
        slowModeSeconds: 0,
        followersOnly: false,
        subscribersOnly: false,
      });
      await problem(await request(path, send('PATCH', { followersOnly: true })), 401, 'invalid_token');
      await problem(await request(path, send('PATCH', { followersOnly: true }, viewer)), 403, 'forbidden');
      for (const body of [
        {},
        { slowModeSeconds: 3601 },
        { slowModeSeconds: -1 },
        { followersOnly: 'yes' },
        { subscribersOnly: 1 },
        { other: 1 },
      ]) {
        await problem(await request(path, send('PATCH', body, moderator)), 422, 'validation_failed');
      }
      const changed = await request(path, send('PATCH', { slowModeSeconds: 30 }, moderator));
      expect(ChatSettingsSchema.parse(await changed.json())).toEqual({
        slowModeSeconds: 30,
        followersOnly: false,
        subscribersOnly: false,
      });
      expect(ChatSettingsSchema.parse(await (await request(path)).json())).toEqual({
        slowModeSeconds: 30,
        followersOnly: false,
        subscribersOnly: false,
      });
      expect(rooms.framesOf(channel.id)).toContainEqual({
        type: 'chat.settings',
        channel: slug,
        settings: { slowModeSeconds: 30, followersOnly: false, subscribersOnly: false },
      });
      await problem(await request('/api/v1/channels/no-such-room/chat/settings'), 404, 'not_found');
    });
  });

  describe('moderators', () => {
    it('are appointed, listed and removed by the owner only', async () => {
      const { owner, moderator, viewer, base } = await room();
      const path = `${base}/moderators/${viewer.account.id}`;
      await problem(await request(path, send('PUT')), 401, 'invalid_token');
      await problem(await request(path, send('PUT', undefined, moderator)), 403, 'forbidden');
      await problem(await request(`${base}/moderators`, send('GET', undefined, moderator)), 403, 'forbidden');
      await problem(
        await request(`${base}/moderators/${owner.account.id}`, send('PUT', undefined, owner)),
        409,
        'conflict',
      );
      await problem(
        await request(`${base}/moderators/${crypto.randomUUID()}`, send('PUT', undefined, owner)),
        404,
        'not_found',
      );
      const malformed = await problem(
        await request(`${base}/moderators/12345`, send('PUT', undefined, owner)),
        422,
        'validation_failed',
      );
      expect(malformed.errors?.map((error) => error.path)).toEqual(['path.userId']);

      const added = ChannelModeratorSchema.parse(
        await (await request(path, send('PUT', undefined, owner))).json(),
      );
      expect(added.user).toEqual({
        id: viewer.account.id,
        username: viewer.account.username,
        displayName: null,
      });
      const list = ChannelModeratorListSchema.parse(
        await (await request(`${base}/moderators`, send('GET', undefined, owner))).json(),
      );
      expect(list.items.map((item) => item.user.id)).toEqual([moderator.account.id, viewer.account.id]);
      expect((await request(path, send('DELETE', undefined, owner))).status).toBe(204);
      expect((await request(path, send('DELETE', undefined, owner))).status).toBe(204);
      const after = ChannelModeratorListSchema.parse(
        await (await request(`${base}/moderators`, send('GET', undefined, owner))).json(),
      );
      expect(after.items.map((item) => item.user.id)).toEqual([moderator.account.id]);
    });
  });

  describe('bans and time-outs', () => {
    it('are for the owner and moderators; nobody acts on the owner, moderators not on each other', async () => {
      const { owner, moderator, viewer, channel, base } = await room();
      const second = await registerAndLogin(app, backends);
      await request(`${base}/moderators/${second.account.id}`, send('PUT', undefined, owner));
      const banPath = (user: SignedInUser) => `${base}/chat/bans/${user.account.id}`;

      await problem(await request(banPath(viewer), send('PUT')), 401, 'invalid_token');
      const other = await registerAndLogin(app, backends);
      await problem(await request(banPath(other), send('PUT', {}, viewer)), 403, 'forbidden');
      await problem(await request(banPath(owner), send('PUT', {}, moderator)), 403, 'chat_target_protected');
      await problem(await request(banPath(second), send('PUT', {}, moderator)), 403, 'chat_target_protected');
      await problem(
        await request(`${base}/chat/timeouts/${second.account.id}`, send('PUT', { seconds: 60 }, moderator)),
        403,
        'chat_target_protected',
      );

      // A moderator bans a viewer without a body; the owner bans a moderator with a reason.
      const ban = ChatRestrictionSchema.parse(
        await (await request(banPath(viewer), send('PUT', undefined, moderator))).json(),
      );
      expect(ban).toMatchObject({
        user: { id: viewer.account.id, username: viewer.account.username },
        kind: 'ban',
        expiresAt: null,
        reason: null,
        createdBy: { id: moderator.account.id, username: moderator.account.username },
      });
      const modBan = await request(banPath(second), send('PUT', { reason: '  power trip  ' }, owner));
      expect(ChatRestrictionSchema.parse(await modBan.json())).toMatchObject({
        kind: 'ban',
        reason: 'power trip',
      });

      // The ban holds on the chat service of the same process, which the WebSocket layer calls.
      await expect(say(channel.id, viewer, 'hello?')).rejects.toMatchObject({ code: 'banned' });

      const restrictions = ChatRestrictionListSchema.parse(
        await (await request(`${base}/chat/restrictions`, send('GET', undefined, moderator))).json(),
      );
      expect(restrictions.items.map((item) => item.user.id).sort()).toEqual(
        [viewer.account.id, second.account.id].sort(),
      );
      await problem(
        await request(`${base}/chat/restrictions`, send('GET', undefined, viewer)),
        403,
        'forbidden',
      );

      expect((await request(banPath(viewer), send('DELETE', undefined, moderator))).status).toBe(204);
      expect((await request(banPath(viewer), send('DELETE', undefined, moderator))).status).toBe(204);
      await say(channel.id, viewer, 'back');
    });

    it('validate the user id, the seconds and the reason', async () => {
      const { owner, viewer, base } = await room();
      const timeoutPath = `${base}/chat/timeouts/${viewer.account.id}`;
      const cases: [unknown, string][] = [
        [{}, 'body.seconds'],
        [{ seconds: 0 }, 'body.seconds'],
        [{ seconds: 1.5 }, 'body.seconds'],
        [{ seconds: 14 * 86400 + 1 }, 'body.seconds'],
        [{ seconds: '60' }, 'body.seconds'],
        [{ seconds: 60, reason: '' }, 'body.reason'],
        [{ seconds: 60, reason: 'x'.repeat(501) }, 'body.reason'],
        [{ seconds: 60, until: 'tomorrow' }, 'body'],
      ];
      for (const [body, path] of cases) {
        const details = await problem(
          await request(timeoutPath, send('PUT', body, owner)),
          422,
          'validation_failed',
        );
        expect(details.errors?.map((error) => error.path).join(',')).toContain(path);
      }
      const malformed = await problem(
        await request(`${base}/chat/bans/not-a-uuid`, send('PUT', {}, owner)),
        422,
        'validation_failed',
      );
      expect(malformed.errors?.map((error) => error.path)).toEqual(['path.userId']);
      await problem(
        await request(`${base}/chat/bans/${crypto.randomUUID()}`, send('PUT', {}, owner)),
        404,
        'not_found',
      );
      await problem(
        await request(`/api/v1/channels/no-such-room/chat/bans/${viewer.account.id}`, send('PUT', {}, owner)),
        404,
        'not_found',
      );
      const longest = await request(timeoutPath, send('PUT', { seconds: 14 * 86400 }, owner));
      expect(ChatRestrictionSchema.parse(await longest.json()).kind).toBe('timeout');
    });

    it('announce themselves to the room', async () => {
      const { owner, viewer, channel, slug, base } = await room();
      const timeout = ChatRestrictionSchema.parse(
        await (
          await request(
            `${base}/chat/timeouts/${viewer.account.id}`,
            send('PUT', { seconds: 300, reason: 'caps' }, owner),
          )
        ).json(),
      );
      await request(`${base}/chat/bans/${viewer.account.id}`, send('DELETE', undefined, owner));
      const user = { id: viewer.account.id, username: viewer.account.username };
      expect(rooms.framesOf(channel.id).filter((frame) => frame.type === 'moderation')).toEqual([
        {
          type: 'moderation',
          channel: slug,
          action: 'timeout',
          user,
          until: timeout.expiresAt,
          reason: 'caps',
        },
        { type: 'moderation', channel: slug, action: 'unban', user, until: null, reason: null },
      ]);
    });
  });

  describe('moderation log', () => {
    it('shows the owner and admins every action, newest first, with names, page by page', async () => {
      const { owner, moderator, viewer, channel, base } = await room();
      const message = await say(channel.id, viewer, 'buy cheap followers');
      await request(`${base}/chat/messages/${message.id}`, send('DELETE', undefined, moderator));
      await request(
        `${base}/chat/timeouts/${viewer.account.id}`,
        send('PUT', { seconds: 60, reason: 'spam' }, moderator),
      );
      await request(
        `${base}/chat/bans/${viewer.account.id}`,
        send('PUT', { reason: 'spam again' }, moderator),
      );
      await request(`${base}/chat/bans/${viewer.account.id}`, send('DELETE', undefined, owner));
      await request(
        `${base}/chat/settings`,
        send('PATCH', { slowModeSeconds: 5, followersOnly: true }, moderator),
      );

      const log = ModerationLogPageSchema.parse(
        await (await request(`${base}/moderation-log`, send('GET', undefined, owner))).json(),
      );
      const by = (user: SignedInUser) => ({ id: user.account.id, username: user.account.username });
      expect(
        log.items.map(({ action, actor, target, message: deletedMessage, durationSeconds, reason }) => ({
          action,
          actor,
          target,
          message: deletedMessage,
          durationSeconds,
          reason,
        })),
      ).toEqual([
        {
          action: 'update_chat_settings',
          actor: by(moderator),
          target: null,
          message: null,
          durationSeconds: 5,
          reason: 'slow mode 5 s, followers-only on, subscribers-only off',
        },
        {
          action: 'unban',
          actor: by(owner),
          target: by(viewer),
          message: null,
          durationSeconds: null,
          reason: null,
        },
        {
          action: 'ban',
          actor: by(moderator),
          target: by(viewer),
          message: null,
          durationSeconds: null,
          reason: 'spam again',
        },
        {
          action: 'timeout',
          actor: by(moderator),
          target: by(viewer),
          message: null,
          durationSeconds: 60,
          reason: 'spam',
        },
        {
          action: 'delete_message',
          actor: by(moderator),
          target: by(viewer),
          message: { id: message.id, body: 'buy cheap followers' },
          durationSeconds: null,
          reason: null,
        },
        {
          action: 'add_moderator',
          actor: by(owner),
          target: by(moderator),
          message: null,
          durationSeconds: null,
          reason: null,
        },
      ]);

      const firstPage = ModerationLogPageSchema.parse(
        await (await request(`${base}/moderation-log?limit=4`, send('GET', undefined, owner))).json(),
      );
      const secondPage = ModerationLogPageSchema.parse(
        await (
          await request(
            `${base}/moderation-log?limit=4&cursor=${firstPage.nextCursor}`,
            send('GET', undefined, owner),
          )
        ).json(),
      );
      expect([...firstPage.items, ...secondPage.items]).toEqual(log.items);
      expect(secondPage.nextCursor).toBeNull();

      const admin = await registerAndLogin(app, backends, { role: 'admin' });
      expect((await request(`${base}/moderation-log`, send('GET', undefined, admin))).status).toBe(200);
      await problem(
        await request(`${base}/moderation-log`, send('GET', undefined, moderator)),
        403,
        'forbidden',
      );
      await problem(await request(`${base}/moderation-log`), 401, 'invalid_token');
      await problem(
        await request(`${base}/moderation-log?cursor=bogus`, send('GET', undefined, owner)),
        422,
        'validation_failed',
      );
    });
  });
});
