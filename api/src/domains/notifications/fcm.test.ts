/**
 * FCM through firebase-admin: a mobile app's token registered over the API, a go-live, the
 * `notifications.deliver` job and `messaging.send` with a custom credential, its HTTPS intercepted at
 * the boundary (the agent) by a local server answering as FCM's HTTP v1 API; an unregistered token is
 * deleted.
 */
import { PushRegistrationListSchema } from '@streamhub/contracts/notifications';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { FcmSender } from './fcm-sender.ts';
import { PushPort } from './push-port.ts';
import { startTestFcmService, type TestFcmService } from './testing/fcm-service.ts';

describe('FCM push through firebase-admin', () => {
  let fcm: TestFcmService;
  let sender: FcmSender;
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;

  beforeAll(async () => {
    fcm = await startTestFcmService();
    sender = new FcmSender({
      // A custom Credential: firebase-admin asks it for the OAuth token it sends as Bearer.
      credential: { getAccessToken: async () => ({ access_token: 'test-access-token', expires_in: 3600 }) },
      projectId: 'streamhub-test',
      httpAgent: fcm.agent,
    });
    backends = await createTestBackends('pglite');
    deps = backends.deps(
      { PUBLIC_URL: 'https://streams.example.test' },
      {},
      { abusePolicy: MANY_LOGINS_POLICY, notificationPush: new PushPort({ fcm: sender }) },
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
    await sender.close();
    await fcm.close();
  });

  const registrations = async (user: SignedInUser) =>
    (
      await expectJson(
        await app.request('/api/v1/notifications/push/registrations', send('GET', undefined, user)),
        PushRegistrationListSchema,
      )
    ).items;

  it('a go-live reaches a registered app token; an unregistered token is deleted', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const [phone, uninstalled] = await Promise.all([
      registerAndLogin(app, backends),
      registerAndLogin(app, backends),
    ]);
    const goodToken = `good-token:${phone.account.id}`;
    const deadToken = `dead-token:${uninstalled.account.id}`;
    for (const [user, token] of [
      [phone, goodToken],
      [uninstalled, deadToken],
    ] as const) {
      const registered = await app.request(
        '/api/v1/notifications/push/registrations',
        send('POST', { kind: 'fcm', token }, user),
      );
      expect(registered.status).toBe(201);
      await app.request(`/api/v1/channels/${channel.slug}/follow`, send('PUT', undefined, user));
    }
    fcm.unregister(deadToken);

    await channel.goLive();

    const deadline = Date.now() + 10_000;
    while (
      (fcm.received.every((m) => m.message.token !== goodToken) ||
        (await registrations(uninstalled)).length > 0) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const sent = fcm.received.find((m) => m.message.token === goodToken);
    expect(sent).toMatchObject({
      project: 'streamhub-test',
      authorization: 'Bearer test-access-token',
      message: {
        notification: { title: `${channel.slug} is live`, body: `${channel.slug} just started streaming.` },
        data: { url: `https://streams.example.test/c/${channel.slug}` },
      },
    });
    expect(await registrations(uninstalled)).toEqual([]);
    expect(await registrations(phone)).toHaveLength(1);
  });
});
