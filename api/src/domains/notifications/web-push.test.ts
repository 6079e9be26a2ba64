/**
 * Web Push end to end: a follower's browser subscription registered over the API, a go-live, the
 * `notifications.deliver` job and `web-push` (VAPID, aes128gcm) to a local HTTPS push service that
 * decrypts the message as the browser would. A subscription the service answers 410 is deleted. The
 * sender signs one VAPID token per push service and signs a new one before it expires.
 */
import { VapidPublicKeySchema } from '@streamhub/contracts/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createApp } from '../../app.ts';
import { expectJson, expectProblem, send } from '../engagement/engagement-test-kit.ts';
import { PushPort } from './push-port.ts';
import {
  eventually,
  PUSH_TEST_PUBLIC_URL,
  type PushTestGateway,
  registerDevice,
  startPushTestGateway,
} from './testing/push-test-kit.ts';
import { startTestWebPushService, type TestWebPushService } from './testing/web-push-service.ts';
import { WebPushSender } from './web-push-sender.ts';

describe('web push to a local push service', () => {
  const vapid = webpush.generateVAPIDKeys();
  const subject = 'mailto:ops@example.test';
  let service: TestWebPushService;
  let gateway: PushTestGateway;

  beforeAll(async () => {
    service = await startTestWebPushService();
    gateway = await startPushTestGateway(
      new PushPort({ webpush: new WebPushSender({ ...vapid, subject, agent: service.agent }) }),
      { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: subject },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await service.close();
  });

  it('serves the VAPID public key without signing in', async () => {
    expect(
      await expectJson(
        await gateway.app.request('/api/v1/notifications/push/vapid-public-key'),
        VapidPublicKeySchema,
      ),
    ).toEqual({ publicKey: vapid.publicKey });
    const unconfigured = createApp(gateway.backends.deps()).app;
    expect(
      await expectJson(
        await unconfigured.request('/api/v1/notifications/push/vapid-public-key'),
        VapidPublicKeySchema,
      ),
    ).toEqual({ publicKey: null });
  });

  it('a go-live reaches a follower’s browser, encrypted; a subscription answered 410 is deleted', async () => {
    const [alive, gone] = await Promise.all([gateway.user(), gateway.user()]);
    const browser = service.subscribe();
    const deadBrowser = service.subscribe();
    await registerDevice(gateway, alive, { kind: 'webpush', ...browser });
    await registerDevice(gateway, gone, { kind: 'webpush', ...deadBrowser });
    expect(await gateway.registrations(gone)).toHaveLength(1);
    service.kill(deadBrowser.endpoint);
    const channel = await gateway.followedChannel([alive, gone]);

    await channel.goLive();

    const push = await service.waitFor((received) => received.endpoint === browser.endpoint);
    expect(push.vapidSubject).toBe(subject);
    expect(push.ttl).toBe('86400');
    expect(JSON.parse(push.payload)).toEqual({
      title: `${channel.slug} is live`,
      body: `${channel.slug} just started streaming.`,
      url: `${PUSH_TEST_PUBLIC_URL}/c/${channel.slug}`,
      tag: expect.any(String),
    });
    await eventually(
      'the dead subscription was deleted',
      async () => (await gateway.registrations(gone)).length === 0,
    );
    expect(await gateway.registrations(alive)).toHaveLength(1);
    expect(service.received.filter((received) => received.endpoint === deadBrowser.endpoint)).toEqual([]);
  });

  it('signs one VAPID token per push service and a new one an hour before it expires', async () => {
    let now = Math.floor(Date.now() / 1000);
    const sender = new WebPushSender({ ...vapid, subject, agent: service.agent }, () => now);
    const [first, second] = [service.subscribe(), service.subscribe()];
    const message = (tag: string) => ({ title: 't', body: 'b', url: `${PUSH_TEST_PUBLIC_URL}/`, tag });
    const arrived = async (tag: string) =>
      service.waitFor((received) => JSON.parse(received.payload).tag === tag);

    expect(await sender.send({ kind: 'webpush', ...first }, message('vapid-1'))).toBe('sent');
    expect(await sender.send({ kind: 'webpush', ...second }, message('vapid-2'))).toBe('sent');
    const [one, two] = [await arrived('vapid-1'), await arrived('vapid-2')];
    // Two subscriptions of one push service: one token, valid 12 h, each payload still decrypted.
    expect(two.vapidToken).toBe(one.vapidToken);
    expect(one.vapidExpiresAt).toBe(now + 12 * 3600);

    now += 10 * 3600; // 2 h left: still reused.
    await sender.send({ kind: 'webpush', ...first }, message('vapid-3'));
    expect((await arrived('vapid-3')).vapidToken).toBe(one.vapidToken);

    now += 3600 + 1; // Less than an hour left: signed again.
    await sender.send({ kind: 'webpush', ...first }, message('vapid-4'));
    const renewed = await arrived('vapid-4');
    expect(renewed.vapidToken).not.toBe(one.vapidToken);
    expect(renewed.vapidExpiresAt).toBe(now + 12 * 3600);
    sender.close();
  });

  it('registers, lists and removes devices; refuses bad input, strangers and anonymous callers', async () => {
    const user = await gateway.user();
    const browser = service.subscribe();
    const first = await registerDevice(gateway, user, { kind: 'webpush', ...browser });
    // The same subscription again (a browser re-subscribing) is the same registration.
    const again = await registerDevice(gateway, user, { kind: 'webpush', ...browser });
    expect(again.id).toBe(first.id);
    const fcm = await registerDevice(gateway, user, { kind: 'fcm', token: 'fcm-token:APA91b-test_1' });
    expect((await gateway.registrations(user)).map((entry) => entry.kind).sort()).toEqual(['fcm', 'webpush']);

    await expectProblem(
      await gateway.register(user, { kind: 'webpush', ...browser, endpoint: 'http://push.example/x' }),
      422,
      'validation_failed',
    );
    await expectProblem(
      await gateway.register(user, {
        kind: 'webpush',
        endpoint: browser.endpoint,
        keys: { p256dh: 'x y', auth: 'z' },
      }),
      422,
      'validation_failed',
    );
    await expectProblem(await gateway.register(user, { kind: 'sms', number: '1' }), 422, 'validation_failed');
    await expectProblem(
      await gateway.app.request('/api/v1/notifications/push/registrations', { method: 'GET' }),
      401,
      'invalid_token',
    );

    const stranger = await gateway.user();
    await expectProblem(
      await gateway.app.request(
        `/api/v1/notifications/push/registrations/${fcm.id}`,
        send('DELETE', undefined, stranger),
      ),
      404,
      'not_found',
    );
    const removed = await gateway.app.request(
      `/api/v1/notifications/push/registrations/${fcm.id}`,
      send('DELETE', undefined, user),
    );
    expect(removed.status).toBe(204);
    expect((await gateway.registrations(user)).map((entry) => entry.id)).toEqual([first.id]);
  });
});
