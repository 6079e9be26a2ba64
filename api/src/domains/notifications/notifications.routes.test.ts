/**
 * Notifications from durable events over the real gateway app and outbox, on PGlite and PostgreSQL: the
 * fan-out of a go-live to followers (a muted channel left out), one notification per user whatever the
 * repeats and replicas, the feed's routes and the preferences' rules, and a deleted account's
 * notifications going with `user.deleted` (no foreign key to the user since migration 0028: the
 * `notifications.account-cleanup` consumer does what the cascade did; their deliveries cascade).
 */
import { randomUUID } from 'node:crypto';
import {
  type Notification,
  NotificationPageSchema,
  NotificationPreferencesSchema,
  TypePreferenceSchema,
  UnreadCountSchema,
} from '@streamhub/contracts/notifications';
import { deliveries, notifications } from '@streamhub/db/schema/notifications';
import { testDatabases } from '@streamhub/db/testing';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import {
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';

describe.each(testDatabases())('notifications on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
    outbox = await startTestOutbox(backends, deps);
  });
  afterAll(async () => {
    await outbox.close();
    await backends.close();
  });

  const viewer = () => registerAndLogin(app, backends);
  const feedOf = async (user: SignedInUser, query = '') =>
    expectJson(
      await app.request(`/api/v1/notifications${query}`, send('GET', undefined, user)),
      NotificationPageSchema,
    );
  const unreadOf = async (user: SignedInUser) =>
    (
      await expectJson(
        await app.request('/api/v1/notifications/unread-count', send('GET', undefined, user)),
        UnreadCountSchema,
      )
    ).unread;
  const follow = async (slug: string, user: SignedInUser) =>
    expect((await app.request(`/api/v1/channels/${slug}/follow`, send('PUT', undefined, user))).status).toBe(
      200,
    );
  /** Polls the user's feed until it has `count` notifications of `type`. */
  const waitForFeed = async (user: SignedInUser, type: string, count: number): Promise<Notification[]> => {
    let found: Notification[] = [];
    const deadline = Date.now() + 10_000;
    for (;;) {
      found = (await feedOf(user, '?limit=100')).items.filter((item) => item.type === type);
      if (found.length >= count || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(found).toHaveLength(count);
    return found;
  };

  it('documents every notifications operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'notifications')).toEqual(
      [
        'countUnreadNotifications',
        'deleteNotification',
        'getNotificationPreferences',
        'getVapidPublicKey',
        'listNotifications',
        'listPushDevices',
        'markAllNotificationsRead',
        'markNotificationRead',
        'muteChannelNotifications',
        'registerPushDevice',
        'unmuteChannelNotifications',
        'unregisterPushDevice',
        'unsubscribeNotificationEmails',
        'updateNotificationEmailDigest',
        'updateNotificationTypePreference',
      ].sort(),
    );
  });

  it('a go-live reaches every follower once, but not one who muted the channel nor the owner', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const [ada, bob, muter] = await Promise.all([viewer(), viewer(), viewer()]);
    for (const user of [ada, bob, muter]) await follow(channel.slug, user);
    const muted = await app.request(
      `/api/v1/notifications/preferences/muted-channels/${channel.slug}`,
      send('PUT', undefined, muter),
    );
    expect(muted.status).toBe(204);

    const sessionId = await channel.goLive();

    for (const user of [ada, bob]) {
      const [live] = await waitForFeed(user, 'channel.live', 1);
      expect(live).toMatchObject({
        channelId: channel.channelId,
        url: `/c/${channel.slug}`,
        readAt: null,
        data: { slug: channel.slug, sessionId },
      });
    }
    // The owner hears of the three new followers, and nothing of their own go-live.
    const followers = await waitForFeed(channel.owner, 'channel.follower', 3);
    expect(new Set(followers.map((item) => item.data.username))).toEqual(
      new Set([ada, bob, muter].map((user) => user.account.username)),
    );
    expect((await feedOf(channel.owner)).items.filter((item) => item.type === 'channel.live')).toEqual([]);
    // The muted follower's feed got nothing: the follow still stands.
    expect((await feedOf(muter)).items).toEqual([]);
  });

  it('one event handled twice, and at once on two replicas, gives one notification per user', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const followers = await Promise.all([viewer(), viewer()]);
    for (const user of followers) await follow(channel.slug, user);
    const event = {
      id: randomUUID(),
      name: 'stream.started' as const,
      payload: {
        sessionId: randomUUID(),
        channelId: channel.channelId,
        playbackId: 'pb-replicas',
        slug: channel.slug,
        ownerId: channel.owner.account.id,
        record: false,
        startedAt: new Date().toISOString(),
      },
    };
    // A second replica: services of its own on the same database.
    const replica = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    const stored = await Promise.all([
      deps.services.notifications.notify(event),
      replica.services.notifications.notify(event),
    ]);
    expect(stored.reduce((sum, count) => sum + count, 0)).toBe(2);
    expect(await deps.services.notifications.notify(event)).toBe(0);
    for (const user of followers) {
      const { items } = await feedOf(user);
      expect(items.filter((item) => item.data.sessionId === event.payload.sessionId)).toHaveLength(1);
    }
  });

  it('pages the feed newest first, counts unread, marks one or all read and deletes', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const fans = await Promise.all([viewer(), viewer(), viewer(), viewer(), viewer()]);
    for (const fan of fans) await follow(channel.slug, fan);
    const owner = channel.owner;
    const all = await waitForFeed(owner, 'channel.follower', 5);
    expect(all.map((item) => item.data.username)).toEqual(fans.map((fan) => fan.account.username).reverse());

    const first = await feedOf(owner, '?limit=2');
    expect(first.items).toEqual(all.slice(0, 2));
    const second = await feedOf(owner, `?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(second.items).toEqual(all.slice(2, 4));
    const third = await feedOf(owner, `?limit=2&cursor=${encodeURIComponent(second.nextCursor ?? '')}`);
    expect(third).toEqual({ items: all.slice(4), nextCursor: null });

    expect(await unreadOf(owner)).toBe(5);
    const [newest, next] = all;
    if (!newest || !next) throw new Error('expected notifications');
    const read = await app.request(
      `/api/v1/notifications/items/${newest.id}/read`,
      send('POST', undefined, owner),
    );
    expect(read.status).toBe(204);
    expect(await unreadOf(owner)).toBe(4);
    expect((await feedOf(owner, '?unread=true')).items.map((item) => item.id)).not.toContain(newest.id);
    expect((await feedOf(owner, '?limit=1')).items[0]?.readAt).not.toBeNull();

    const removed = await app.request(
      `/api/v1/notifications/items/${next.id}`,
      send('DELETE', undefined, owner),
    );
    expect(removed.status).toBe(204);
    expect((await feedOf(owner)).items.map((item) => item.id)).not.toContain(next.id);
    expect(await unreadOf(owner)).toBe(3);

    expect((await app.request('/api/v1/notifications/read-all', send('POST', undefined, owner))).status).toBe(
      204,
    );
    expect(await unreadOf(owner)).toBe(0);

    // Someone else's notification is not found, whatever the verb.
    const stranger = await viewer();
    await expectProblem(
      await app.request(`/api/v1/notifications/items/${newest.id}/read`, send('POST', undefined, stranger)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(`/api/v1/notifications/items/${newest.id}`, send('DELETE', undefined, stranger)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(`/api/v1/notifications/items/${next.id}`, send('DELETE', undefined, owner)),
      404,
      'not_found',
    );
  });

  it('refuses a missing token, a malformed id or cursor, and an unknown type', async () => {
    const user = await viewer();
    await expectProblem(await app.request('/api/v1/notifications'), 401, 'invalid_token');
    await expectProblem(await app.request('/api/v1/notifications/unread-count'), 401, 'invalid_token');
    await expectProblem(await app.request('/api/v1/notifications/preferences'), 401, 'invalid_token');
    await expectProblem(
      await app.request('/api/v1/notifications/items/not-a-uuid/read', send('POST', undefined, user)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request('/api/v1/notifications?cursor=bm90LWEtY3Vyc29y', send('GET', undefined, user)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request('/api/v1/notifications?limit=0', send('GET', undefined, user)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request('/api/v1/notifications/preferences/types/nope', send('PATCH', { push: true }, user)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request('/api/v1/notifications/preferences/types/channel.live', send('PATCH', {}, user)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(
        '/api/v1/notifications/preferences/types/channel.live',
        send('PATCH', { sms: true }, user),
      ),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(
        '/api/v1/notifications/preferences/email-digest',
        send('PUT', { emailDigest: 'weekly' }, user),
      ),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(
        '/api/v1/notifications/preferences/muted-channels/no-such-channel',
        send('PUT', undefined, user),
      ),
      404,
      'not_found',
    );
  });

  it('keeps preferences per type with defaults; security notices cannot be turned off', async () => {
    const user = await viewer();
    const defaults = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, user)),
      NotificationPreferencesSchema,
    );
    expect(defaults.emailDigest).toBe('off');
    expect(defaults.mutedChannels).toEqual([]);
    expect(defaults.types.find((entry) => entry.type === 'channel.live')).toEqual({
      type: 'channel.live',
      inApp: true,
      email: false,
      push: true,
      locked: false,
    });
    expect(defaults.types.find((entry) => entry.type === 'security.new_login')?.locked).toBe(true);

    await expectProblem(
      await app.request(
        '/api/v1/notifications/preferences/types/security.password_changed',
        send('PATCH', { email: false }, user),
      ),
      422,
      'preference_locked',
    );
    // Push of a security notice is the user's choice.
    const pushed = await expectJson(
      await app.request(
        '/api/v1/notifications/preferences/types/security.password_changed',
        send('PATCH', { push: true }, user),
      ),
      TypePreferenceSchema,
    );
    expect(pushed).toEqual({
      type: 'security.password_changed',
      inApp: true,
      email: true,
      push: true,
      locked: true,
    });

    const changed = await expectJson(
      await app.request(
        '/api/v1/notifications/preferences/types/channel.live',
        send('PATCH', { email: true }, user),
      ),
      TypePreferenceSchema,
    );
    expect(changed).toEqual({ type: 'channel.live', inApp: true, email: true, push: true, locked: false });
    const digest = await app.request(
      '/api/v1/notifications/preferences/email-digest',
      send('PUT', { emailDigest: 'daily' }, user),
    );
    expect(digest.status).toBe(204);
    const after = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, user)),
      NotificationPreferencesSchema,
    );
    expect(after.emailDigest).toBe('daily');
    expect(after.types.find((entry) => entry.type === 'channel.live')?.email).toBe(true);
  });

  it('tells the owner of a sign-in from a new device and of a password change, not of a known device', async () => {
    const user = await viewer();
    const logIn = (userAgent: string) =>
      app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': userAgent },
        body: JSON.stringify({ email: user.account.email, password: user.password }),
      });
    expect((await logIn('Firefox/140 on Linux')).status).toBe(200);
    const [signIn] = await waitForFeed(user, 'security.new_login', 1);
    expect(signIn?.data.userAgent).toBe('Firefox/140 on Linux');
    // The same browser again is no news.
    expect((await logIn('Firefox/140 on Linux')).status).toBe(200);

    const changed = await app.request(
      '/api/v1/auth/password',
      send('POST', { currentPassword: user.password, newPassword: 'another long test password' }, user),
    );
    expect(changed.status).toBe(204);
    const [password] = await waitForFeed(user, 'security.password_changed', 1);
    expect(password?.data.via).toBe('change');
    expect((await feedOf(user)).items.filter((item) => item.type === 'security.new_login')).toHaveLength(1);
  });

  it('tells a creator of a new subscriber and a subscriber of an expired subscription', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const fan = await viewer();
    const subscription = subscriptionPayload(channel.channelId, channel.owner.account.id, fan.account.id);
    // As the payments domain's consumer would hand them over from the outbox.
    await deps.services.notifications.notify({
      id: randomUUID(),
      name: 'subscription.started',
      payload: subscription,
    });
    await deps.services.notifications.notify({
      id: randomUUID(),
      name: 'subscription.expired',
      payload: subscription,
    });
    const [started] = await waitForFeed(channel.owner, 'subscription.new', 1);
    expect(started?.data).toMatchObject({ username: fan.account.username, price: 499, currency: 'usd' });
    const [expired] = await waitForFeed(fan, 'subscription.expired', 1);
    expect(expired?.data.slug).toBe(channel.slug);
  });

  it('tells followers of a public video (not of an unlisted one) and its owner of ready or failed', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const fan = await viewer();
    await follow(channel.slug, fan);
    const owner = channel.owner.account.id;
    const video = (title: string, visibility: 'public' | 'unlisted') => ({
      videoId: randomUUID(),
      ownerId: owner,
      channelId: channel.channelId,
      title,
      visibility,
      durationMs: 1_000,
      readyAt: new Date().toISOString(),
    });
    const published = video('Public cut', 'public');
    const unlisted = video('Unlisted cut', 'unlisted');
    // As the videos domain's job hands them over through the outbox.
    for (const payload of [published, unlisted]) {
      await deps.services.notifications.notify({ id: randomUUID(), name: 'video.ready', payload });
    }
    const failedId = randomUUID();
    await deps.services.notifications.notify({
      id: randomUUID(),
      name: 'video.failed',
      payload: { videoId: failedId, ownerId: owner, reason: 'no video stream' },
    });

    const [announced] = await waitForFeed(fan, 'channel.video', 1);
    expect(announced).toMatchObject({
      channelId: channel.channelId,
      url: `/v/${published.videoId}`,
      data: { videoId: published.videoId, title: 'Public cut' },
    });
    const ready = await waitForFeed(channel.owner, 'video.ready', 2);
    expect(new Set(ready.map((item) => item.data.videoId))).toEqual(
      new Set([published.videoId, unlisted.videoId]),
    );
    const [failed] = await waitForFeed(channel.owner, 'video.failed', 1);
    expect(failed).toMatchObject({ url: `/v/${failedId}`, data: { reason: 'no video stream' } });
    // The owner is not told of their own video as a follower would be.
    expect(
      (await feedOf(channel.owner, '?limit=100')).items.filter((item) => item.type === 'channel.video'),
    ).toEqual([]);
  });

  it("tells a comment's author of a reply, but not of their own", async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const sessionId = await channel.goLive();
    const [author, replier] = await Promise.all([viewer(), viewer()]);
    const comment = async (user: SignedInUser, body: string, parentId?: string) => {
      const response = await app.request(
        `/api/v1/live-sessions/${sessionId}/comments`,
        send('POST', { body, ...(parentId ? { parentId } : {}) }, user),
      );
      expect(response.status, await response.clone().text()).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    const parentId = await comment(author, 'First!');
    await comment(author, 'And a note to myself', parentId);
    const replyId = await comment(replier, 'Welcome', parentId);

    const [reply] = await waitForFeed(author, 'comment.reply', 1);
    expect(reply).toMatchObject({
      url: '/',
      data: {
        commentId: replyId,
        parentId,
        targetType: 'live_session',
        targetId: sessionId,
        username: replier.account.username,
      },
    });
    // The author's own reply came first through the same outbox and gave nothing.
    expect(
      (await feedOf(author, '?limit=100')).items.filter((item) => item.type === 'comment.reply'),
    ).toHaveLength(1);
    expect((await feedOf(replier)).items).toEqual([]);
  });

  it('tells a creator of a tip and a renewal, and an account of its suspension', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const fan = await viewer();
    const at = new Date().toISOString();
    const tip = {
      paymentId: randomUUID(),
      channelId: channel.channelId,
      creatorId: channel.owner.account.id,
      payerId: fan.account.id,
      amount: 500,
      currency: 'usd',
      platformFee: 50,
      creatorAmount: 450,
      message: 'Great stream',
      provider: 'stripe',
      entryId: randomUUID(),
      receivedAt: at,
    };
    await deps.services.notifications.notify({ id: randomUUID(), name: 'tip.received', payload: tip });
    await deps.services.notifications.notify({
      id: randomUUID(),
      name: 'subscription.renewed',
      payload: subscriptionPayload(channel.channelId, channel.owner.account.id, fan.account.id, at),
    });
    await deps.services.notifications.notify({
      id: randomUUID(),
      name: 'user.suspended',
      payload: { userId: fan.account.id, suspendedAt: at },
    });

    const [tipped] = await waitForFeed(channel.owner, 'tip.received', 1);
    expect(tipped?.data).toMatchObject({
      paymentId: tip.paymentId,
      amount: 500,
      creatorAmount: 450,
      message: 'Great stream',
      username: fan.account.username,
    });
    const [renewed] = await waitForFeed(channel.owner, 'subscription.renewed', 1);
    expect(renewed?.data.username).toBe(fan.account.username);
    const [suspended] = await waitForFeed(fan, 'security.suspended', 1);
    expect(suspended?.data.suspendedAt).toBe(at);
  });

  it('a type turned off in-app stays out of the feed; unmuting a channel brings its go-lives back', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const [quiet, returning] = await Promise.all([viewer(), viewer()]);
    for (const user of [quiet, returning]) await follow(channel.slug, user);
    const off = await app.request(
      '/api/v1/notifications/preferences/types/channel.live',
      send('PATCH', { inApp: false, push: false }, quiet),
    );
    expect(off.status).toBe(200);
    const mutePath = `/api/v1/notifications/preferences/muted-channels/${channel.slug}`;
    expect((await app.request(mutePath, send('PUT', undefined, returning))).status).toBe(204);
    expect((await app.request(mutePath, send('PUT', undefined, returning))).status).toBe(204);
    const muted = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, returning)),
      NotificationPreferencesSchema,
    );
    expect(muted.mutedChannels.map((entry) => entry.slug)).toEqual([channel.slug]);
    expect((await app.request(mutePath, send('DELETE', undefined, returning))).status).toBe(204);

    await channel.goLive();
    await waitForFeed(returning, 'channel.live', 1);
    expect((await feedOf(quiet)).items).toEqual([]);
    expect(await unreadOf(quiet)).toBe(0);
  });

  /** One stored notification of `user`'s, as a fan-out stores it. */
  async function notificationOf(user: SignedInUser): Promise<string> {
    const [row] = await backends.database.db
      .insert(notifications)
      .values({
        userId: user.account.id,
        type: 'channel.live',
        eventId: randomUUID(),
        data: { slug: 'somewhere' },
        url: '/c/somewhere',
        inApp: true,
        email: true,
        push: false,
      })
      .returning({ id: notifications.id });
    if (!row) throw new Error('no notification stored');
    return row.id;
  }

  it('deletes them and their deliveries on user.deleted; everyone else keeps theirs', async () => {
    const doomed = await registerAndLogin(app, backends);
    const keeper = await registerAndLogin(app, backends);
    const gone = [await notificationOf(doomed), await notificationOf(doomed)];
    const kept = await notificationOf(keeper);
    await backends.database.db.insert(deliveries).values([
      { notificationId: gone[0] ?? '', via: 'email', status: 'sent' },
      { notificationId: kept, via: 'email', status: 'sent' },
    ]);

    const deleted = await app.request('/api/v1/me', send('DELETE', { password: doomed.password }, doomed));
    expect(deleted.status, await deleted.clone().text()).toBe(204);

    const { db } = backends.database;
    const notificationsOf = async (ids: string[]) =>
      (
        await db.select({ id: notifications.id }).from(notifications).where(inArray(notifications.id, ids))
      ).map((row) => row.id);
    await expect.poll(() => notificationsOf(gone), { timeout: 15_000 }).toEqual([]);
    expect(await notificationsOf([kept])).toEqual([kept]);
    const deliveryRows = await db
      .select({ notificationId: deliveries.notificationId })
      .from(deliveries)
      .where(inArray(deliveries.notificationId, [...gone, kept]));
    expect(deliveryRows).toEqual([{ notificationId: kept }]);
  });
});

/** A `subscription.*` event's payload, as the payments domain's consumer hands it over from the outbox. */
function subscriptionPayload(
  channelId: string,
  creatorId: string,
  subscriberId: string,
  at = new Date().toISOString(),
) {
  return {
    subscriptionId: randomUUID(),
    channelId,
    creatorId,
    subscriberId,
    tierId: randomUUID(),
    price: 499,
    currency: 'usd',
    provider: 'stripe',
    accessUntil: null,
    entryId: null,
    at,
  };
}
