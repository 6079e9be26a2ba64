/**
 * Web Push end to end: a follower's browser subscription registered over the API, a go-live, the
 * `notifications.deliver` job and `web-push` (VAPID, aes128gcm) to a local HTTPS push service that
 * decrypts the message as the browser would. A subscription the service answers 410 is deleted.
 */
import {
  PushRegistrationListSchema,
  PushRegistrationSchema,
  VapidPublicKeySchema,
} from '@streamhub/contracts/notifications';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { createLogMailer } from '../../mail/log-mailer.ts';
import { moduleJobHandlers } from '../../modules/run-modules.ts';
import { MODULES } from '../../modules.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import {
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { PushPort } from './push-port.ts';
import { startTestWebPushService, type TestWebPushService } from './testing/web-push-service.ts';
import { WebPushSender } from './web-push-sender.ts';

describe('web push to a local push service', () => {
  const vapid = webpush.generateVAPIDKeys();
  let service: TestWebPushService;
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;

  beforeAll(async () => {
    service = await startTestWebPushService();
    backends = await createTestBackends('pglite');
    deps = backends.deps(
      {
        PUBLIC_URL: 'https://streams.example.test',
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@example.test',
      },
      {},
      {
        abusePolicy: MANY_LOGINS_POLICY,
        notificationPush: new PushPort({
          webpush: new WebPushSender({ ...vapid, subject: 'mailto:ops@example.test', agent: service.agent }),
        }),
      },
    );
    app = createApp(deps).app;
    await backends.jobs.start(
      moduleJobHandlers(MODULES, deps.services, {
        config: deps.config,
        logger: deps.logger,
        events: backends.events,
        media: createMediaStorage({ dataDir: deps.config.dataDir }),
        mailer: createLogMailer(deps.logger),
      }),
    );
    outbox = await startTestOutbox(backends, deps);
  });
  afterAll(async () => {
    await outbox.close();
    await backends.close();
    await service.close();
  });

  const register = async (user: SignedInUser, subscription: unknown) =>
    app.request('/api/v1/notifications/push/registrations', send('POST', subscription, user));
  const registrations = async (user: SignedInUser) =>
    (
      await expectJson(
        await app.request('/api/v1/notifications/push/registrations', send('GET', undefined, user)),
        PushRegistrationListSchema,
      )
    ).items;

  it('serves the VAPID public key without signing in', async () => {
    expect(
      await expectJson(
        await app.request('/api/v1/notifications/push/vapid-public-key'),
        VapidPublicKeySchema,
      ),
    ).toEqual({
      publicKey: vapid.publicKey,
    });
    const unconfigured = createApp(backends.deps()).app;
    expect(
      await expectJson(
        await unconfigured.request('/api/v1/notifications/push/vapid-public-key'),
        VapidPublicKeySchema,
      ),
    ).toEqual({ publicKey: null });
  });

  it('a go-live reaches a follower’s browser, encrypted; a subscription answered 410 is deleted', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const [alive, gone] = await Promise.all([
      registerAndLogin(app, backends),
      registerAndLogin(app, backends),
    ]);
    const browser = service.subscribe();
    const deadBrowser = service.subscribe();
    await expectJson(await register(alive, { kind: 'webpush', ...browser }), PushRegistrationSchema, 201);
    await expectJson(await register(gone, { kind: 'webpush', ...deadBrowser }), PushRegistrationSchema, 201);
    expect(await registrations(gone)).toHaveLength(1);
    service.kill(deadBrowser.endpoint);
    for (const user of [alive, gone]) {
      await app.request(`/api/v1/channels/${channel.slug}/follow`, send('PUT', undefined, user));
    }

    await channel.goLive();

    const push = await service.waitFor((received) => received.endpoint === browser.endpoint);
    expect(push.vapidSubject).toBe('mailto:ops@example.test');
    expect(push.ttl).toBe('86400');
    expect(JSON.parse(push.payload)).toEqual({
      title: `${channel.slug} is live`,
      body: `${channel.slug} just started streaming.`,
      url: `https://streams.example.test/c/${channel.slug}`,
      tag: expect.any(String),
    });
    const deadline = Date.now() + 10_000;
    while ((await registrations(gone)).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await registrations(gone)).toEqual([]);
    expect(await registrations(alive)).toHaveLength(1);
    expect(service.received.filter((received) => received.endpoint === deadBrowser.endpoint)).toEqual([]);
  });

  it('registers, lists and removes devices; refuses bad input, strangers and anonymous callers', async () => {
    const user = await registerAndLogin(app, backends);
    const browser = service.subscribe();
    const first = await expectJson(
      await register(user, { kind: 'webpush', ...browser }),
      PushRegistrationSchema,
      201,
    );
    // The same subscription again (a browser re-subscribing) is the same registration.
    const again = await expectJson(
      await register(user, { kind: 'webpush', ...browser }),
      PushRegistrationSchema,
      201,
    );
    expect(again.id).toBe(first.id);
    const fcm = await expectJson(
      await register(user, { kind: 'fcm', token: 'fcm-token:APA91b-test_1' }),
      PushRegistrationSchema,
      201,
    );
    expect((await registrations(user)).map((entry) => entry.kind).sort()).toEqual(['fcm', 'webpush']);

    await expectProblem(
      await register(user, { kind: 'webpush', ...browser, endpoint: 'http://push.example/x' }),
      422,
      'validation_failed',
    );
    await expectProblem(
      await register(user, {
        kind: 'webpush',
        endpoint: browser.endpoint,
        keys: { p256dh: 'x y', auth: 'z' },
      }),
      422,
      'validation_failed',
    );
    await expectProblem(await register(user, { kind: 'sms', number: '1' }), 422, 'validation_failed');
    await expectProblem(
      await app.request('/api/v1/notifications/push/registrations', { method: 'GET' }),
      401,
      'invalid_token',
    );

    const stranger = await registerAndLogin(app, backends);
    await expectProblem(
      await app.request(
        `/api/v1/notifications/push/registrations/${fcm.id}`,
        send('DELETE', undefined, stranger),
      ),
      404,
      'not_found',
    );
    const removed = await app.request(
      `/api/v1/notifications/push/registrations/${fcm.id}`,
      send('DELETE', undefined, user),
    );
    expect(removed.status).toBe(204);
    expect((await registrations(user)).map((entry) => entry.id)).toEqual([first.id]);
  });
});
