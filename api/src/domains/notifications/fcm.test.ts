/**
 * FCM through firebase-admin: a mobile app's token registered over the API, a go-live, the
 * `notifications.deliver` job and `messaging.send` with a custom credential, its HTTPS intercepted at
 * the boundary (the agent) by a local server answering as FCM's HTTP v1 API; an unregistered token is
 * deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcmSender } from './fcm-sender.ts';
import { PushPort } from './push-port.ts';
import { startTestFcmService, type TestFcmService } from './testing/fcm-service.ts';
import {
  eventually,
  PUSH_TEST_PUBLIC_URL,
  type PushTestGateway,
  registerDevice,
  startPushTestGateway,
} from './testing/push-test-kit.ts';

describe('FCM push through firebase-admin', () => {
  let fcm: TestFcmService;
  let sender: FcmSender;
  let gateway: PushTestGateway;

  beforeAll(async () => {
    fcm = await startTestFcmService();
    sender = new FcmSender({
      // A custom Credential: firebase-admin asks it for the OAuth token it sends as Bearer.
      credential: { getAccessToken: async () => ({ access_token: 'test-access-token', expires_in: 3600 }) },
      projectId: 'streamhub-test',
      httpAgent: fcm.agent,
    });
    gateway = await startPushTestGateway(new PushPort({ fcm: sender }));
  });
  afterAll(async () => {
    await gateway.close();
    await sender.close();
    await fcm.close();
  });

  it('a go-live reaches a registered app token; an unregistered token is deleted', async () => {
    const [phone, uninstalled] = await Promise.all([gateway.user(), gateway.user()]);
    const goodToken = `good-token:${phone.account.id}`;
    const deadToken = `dead-token:${uninstalled.account.id}`;
    await registerDevice(gateway, phone, { kind: 'fcm', token: goodToken });
    await registerDevice(gateway, uninstalled, { kind: 'fcm', token: deadToken });
    const channel = await gateway.followedChannel([phone, uninstalled]);
    fcm.unregister(deadToken);

    await channel.goLive();

    await eventually('the good token got its message', () =>
      fcm.received.some((m) => m.message.token === goodToken),
    );
    await eventually(
      'the unregistered token was deleted',
      async () => (await gateway.registrations(uninstalled)).length === 0,
    );
    expect(fcm.received.find((m) => m.message.token === goodToken)).toMatchObject({
      project: 'streamhub-test',
      authorization: 'Bearer test-access-token',
      message: {
        notification: { title: `${channel.slug} is live`, body: `${channel.slug} just started streaming.` },
        data: { url: `${PUSH_TEST_PUBLIC_URL}/c/${channel.slug}` },
      },
    });
    expect(await gateway.registrations(phone)).toHaveLength(1);
  });
});
