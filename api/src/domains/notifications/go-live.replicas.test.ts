/**
 * The test issue 15 asks for: a go-live reaches a follower in the app over `/ws` on the OTHER gateway
 * replica, by email and by Web Push, with those preferences; a follower who muted the channel gets
 * nothing. Two gateway replicas with their realtime hubs on real Node servers share PostgreSQL and
 * Redis (room frames over Redis pub/sub); the outbox, consumers and jobs run on replica A; real SMTP
 * server, real local push service, real WebSocket clients.
 */
import { randomUUID } from 'node:crypto';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { createMemoryPresenceStore } from '@streamhub/infra/realtime/presence/memory';
import type { RoomBroadcaster } from '@streamhub/infra/realtime/rooms/port';
import { createRedisRoomBroadcaster } from '@streamhub/infra/realtime/rooms/redis';
import { TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { createSmtpMailer } from '../../mail/smtp-mailer.ts';
import { moduleJobHandlers } from '../../modules/run-modules.ts';
import { MODULES } from '../../modules.ts';
import { broadcastingNotificationPublisher } from '../../realtime/create-hub.ts';
import { type RealtimeServer, serveRealtime } from '../../realtime/testing/realtime-server.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../testing/smtp-test-server.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import { connectWs, type TestWsClient } from '../../testing/ws-client.ts';
import { MANY_LOGINS_POLICY, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { NotificationsRepository } from './notifications.repository.ts';
import { PushPort } from './push-port.ts';
import { startTestWebPushService, type TestWebPushService } from './testing/web-push-service.ts';
import { WebPushSender } from './web-push-sender.ts';

describe('a go-live across two gateway replicas (PostgreSQL, Redis)', () => {
  const vapid = webpush.generateVAPIDKeys();
  const prefix = `test-notifications-${randomUUID()}:`;
  let smtp: TestSmtpServer;
  let pushService: TestWebPushService;
  let backends: TestBackends;
  const rooms: RoomBroadcaster[] = [];
  const servers: RealtimeServer[] = [];
  const sockets: TestWsClient[] = [];
  let outbox: Outbox;
  let a: { deps: GatewayDeps; app: GatewayApp; server: RealtimeServer };
  let b: { deps: GatewayDeps; app: GatewayApp; server: RealtimeServer };

  /** One gateway replica: its own services, room broadcaster on Redis and hub, on the shared database. */
  async function replica() {
    const broadcaster = await createRedisRoomBroadcaster({ url: TEST_REDIS_URL, prefix });
    rooms.push(broadcaster);
    const deps = backends.deps(
      {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://streams.example.test',
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        WS_MAX_CONNECTIONS_PER_IP: '100',
      },
      {},
      {
        abusePolicy: MANY_LOGINS_POLICY,
        notificationPublisher: broadcastingNotificationPublisher(broadcaster),
        notificationPush: new PushPort({
          webpush: new WebPushSender({
            ...vapid,
            subject: 'mailto:ops@example.test',
            agent: pushService.agent,
          }),
        }),
      },
    );
    const app = createApp(deps).app;
    const server = await serveRealtime(app, deps, {
      rooms: broadcaster,
      presence: createMemoryPresenceStore({ prefix }),
      events: backends.events,
    });
    servers.push(server);
    return { deps, app, server };
  }

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    pushService = await startTestWebPushService();
    backends = await createTestBackends('postgres');
    a = await replica();
    b = await replica();
    // Durable consumers and jobs run on replica A only.
    await backends.jobs.start(
      moduleJobHandlers(MODULES, a.deps.services, {
        config: a.deps.config,
        logger: a.deps.logger,
        events: backends.events,
        media: createMediaStorage({ dataDir: a.deps.config.dataDir }),
        mailer: createSmtpMailer({ url: smtp.url, from: a.deps.config.mail.from }),
      }),
    );
    outbox = await startTestOutbox(backends, a.deps);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await outbox?.close();
    for (const server of servers) await server.server.close();
    for (const broadcaster of rooms) await broadcaster.close();
    await backends?.close();
    await pushService?.close();
    await smtp?.close();
  });

  /** A signed-in `/ws` connection to replica B. */
  async function socketOnB(user: SignedInUser): Promise<TestWsClient> {
    const socket = await connectWs(b.server.base);
    sockets.push(socket);
    await socket.next('hello');
    socket.send({ type: 'auth', token: user.accessToken });
    await socket.next('authenticated');
    return socket;
  }

  /** Follows the channel through replica B, asks for email of go-lives and registers a browser. */
  async function follower(slug: string) {
    const user = await registerAndLogin(b.app, backends);
    const call = (path: string, method: string, body?: unknown) =>
      b.app.request(path, send(method, body, user));
    expect((await call(`/api/v1/channels/${slug}/follow`, 'PUT')).status).toBe(200);
    expect(
      (await call('/api/v1/notifications/preferences/types/channel.live', 'PATCH', { email: true })).status,
    ).toBe(200);
    const browser = pushService.subscribe();
    expect(
      (await call('/api/v1/notifications/push/registrations', 'POST', { kind: 'webpush', ...browser }))
        .status,
    ).toBe(201);
    return { user, browser, socket: await socketOnB(user) };
  }

  it('reaches the follower in the app on the other replica, by email and by web push; the muter gets nothing', async () => {
    const channel = await streamerWithChannel(a.app, backends, a.deps);
    const fan = await follower(channel.slug);
    const muter = await follower(channel.slug);
    const muted = await b.app.request(
      `/api/v1/notifications/preferences/muted-channels/${channel.slug}`,
      send('PUT', undefined, muter.user),
    );
    expect(muted.status).toBe(204);

    // The media node's publish is accepted on replica A's services; stream.started goes to the outbox.
    await channel.goLive();

    const frame = await fan.socket.next('notification', (f) => f.notification.type === 'channel.live', {
      timeoutMs: 10_000,
    });
    expect(frame.notification).toMatchObject({
      channelId: channel.channelId,
      url: `/c/${channel.slug}`,
      readAt: null,
    });
    const mail = await smtp.waitForMail(
      (received) => received.envelope.to.includes(fan.user.account.email) && /is live/.test(received.subject),
      10_000,
    );
    expect(mail.text).toContain(`https://streams.example.test/c/${channel.slug}`);
    const push = await pushService.waitFor((received) => received.endpoint === fan.browser.endpoint);
    expect(JSON.parse(push.payload)).toMatchObject({
      title: `${channel.slug} is live`,
      tag: frame.notification.id,
    });

    // Nothing for the muter: no row was stored, so nothing was sent; its socket got no notification.
    const stored = await new NotificationsRepository(backends.database.db).page(muter.user.account.id, {
      limit: 10,
      unread: false,
    });
    expect(stored.items).toEqual([]);
    expect(muter.socket.frames.filter((f) => f.type === 'notification')).toEqual([]);
    expect(
      smtp.messages.filter(
        (m) => m.envelope.to.includes(muter.user.account.email) && /is live/.test(m.subject),
      ),
    ).toEqual([]);
    expect(pushService.received.filter((received) => received.endpoint === muter.browser.endpoint)).toEqual(
      [],
    );
  }, 60_000);
});
