/**
 * What paying gets a viewer in the channel's chat, end to end on PGlite and PostgreSQL: real WebSocket
 * clients on a real gateway with its realtime hub, subscriptions and tips paid through the Stripe SDK
 * against the local Stripe server and signed webhooks, the outbox consumers in-process. A subscriber's
 * badge, the subscribers-only mode (and its end with the subscription), a tip highlighted in chat, and
 * `subscribers` videos played only with a playback token that subscribers get.
 */

import { SubscriptionCheckoutSchema, TierSchema, TipCheckoutSchema } from '@streamhub/contracts/payments';
import { ChatSettingsSchema } from '@streamhub/contracts/realtime';
import { VideoPageSchema, VideoSchema } from '@streamhub/contracts/videos';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealtimeServer, serveRealtime } from '../../realtime/testing/realtime-server.ts';
import type { SignedInUser } from '../../testing/auth-helpers.ts';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { connectWs, type TestWsClient } from '../../testing/ws-client.ts';
import { expectJson, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { readyVideo } from '../videos/videos-test-kit.ts';
import { type PaymentsTestbed, startPaymentsTestbed } from './testing/payments-test-kit.ts';

describe.each(testDatabases())('subscriber perks on %s', (driver) => {
  let bed: PaymentsTestbed;
  let realtime: RealtimeServer;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    bed = await startPaymentsTestbed(driver, { PAYMENTS_CURRENCIES: 'usd' });
    realtime = await serveRealtime(bed.app, bed.deps, bed.backends);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await realtime?.server.close();
    await bed?.close();
  });

  /** A WebSocket client signed in as `user` (anonymous without) that joined `slug`'s room. */
  const joinAs = async (slug: string, user?: SignedInUser) => {
    const client = await connectWs(realtime.base);
    clients.push(client);
    await client.next('hello');
    if (user) {
      client.send({ type: 'auth', token: user.accessToken });
      await client.next('authenticated');
    }
    client.send({ type: 'join', channel: slug });
    await client.next('joined', (frame) => frame.channel === slug);
    return client;
  };
  /** Sends a chat line and resolves to the frame that answers it: the ack's message or the error. */
  const say = async (client: TestWsClient, slug: string, body: string) => {
    const nonce = crypto.randomUUID();
    const since = client.frames.length;
    client.send({ type: 'chat.send', channel: slug, body, nonce });
    return Promise.race([
      client.next('ack', (frame) => frame.nonce === nonce, { since }),
      client.next('error', (frame) => frame.nonce === nonce, { since }),
    ]);
  };
  const subscribe = async (channel: { slug: string; owner: SignedInUser }, viewer: SignedInUser) => {
    const tier = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tiers',
        send(
          'POST',
          { name: `Fan ${crypto.randomUUID().slice(0, 8)}`, price: 500, currency: 'usd' },
          channel.owner,
        ),
      ),
      TierSchema,
      201,
    );
    const checkout = await expectJson(
      await bed.app.request(
        '/api/v1/payments/subscriptions',
        send('POST', { channel: channel.slug, tier: tier.id }, viewer),
      ),
      SubscriptionCheckoutSchema,
      201,
    );
    const session = [...bed.stripe.sessions.values()].find(
      (s) => s.metadata.subscription_id === checkout.subscriptionId,
    );
    if (!session) throw new Error('no checkout session');
    const paid = bed.stripe.completeSubscription(session.id);
    for (const event of [paid.completed, paid.invoicePaid]) {
      expect((await bed.deliver(JSON.stringify(event))).status).toBe(200);
      await bed.processed(event.id);
    }
    return checkout.subscriptionId;
  };

  it('badges a subscriber’s lines and lets only subscribers chat in subscribers-only mode, until it expires', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const owner = await joinAs(channel.slug, channel.owner);
    const fan = await joinAs(channel.slug, viewer);

    // Not subscribed yet: no badge.
    const before = await say(fan, channel.slug, 'hello');
    expect(before.type).toBe('ack');
    const plain = await owner.next('chat.message', (frame) => frame.message.body === 'hello');
    expect(plain.message.author).toMatchObject({ id: viewer.account.id, subscriber: false });

    // The owner turns subscribers-only on: the room hears it, the viewer is refused.
    const settings = await expectJson(
      await bed.app.request(
        `/api/v1/channels/${channel.slug}/chat/settings`,
        send('PATCH', { subscribersOnly: true }, channel.owner),
      ),
      ChatSettingsSchema,
    );
    expect(settings).toEqual({ slowModeSeconds: 0, followersOnly: false, subscribersOnly: true });
    await fan.next('chat.settings', (frame) => frame.settings.subscribersOnly);
    expect(await say(fan, channel.slug, 'let me in')).toMatchObject({
      type: 'error',
      code: 'subscribers_only',
    });
    // The owner is spared.
    expect((await say(owner, channel.slug, 'owners may')).type).toBe('ack');

    await subscribe(channel, viewer);
    expect((await say(fan, channel.slug, 'subscribed now')).type).toBe('ack');
    const badged = await owner.next('chat.message', (frame) => frame.message.body === 'subscribed now');
    expect(badged.message.author).toMatchObject({ id: viewer.account.id, subscriber: true });
    // A newcomer's history shows the badge on every line of a current subscriber.
    const late = await connectWs(realtime.base);
    clients.push(late);
    late.send({ type: 'join', channel: channel.slug });
    const joined = await late.next('joined', (frame) => frame.channel === channel.slug);
    expect(
      joined.history
        .filter((message) => message.author.id === viewer.account.id)
        .map((m) => m.author.subscriber),
    ).toEqual([true, true]);

    // The subscription runs out (a sweep after its period and grace): refused again, no badge.
    await bed.deps.services.subscriptions.expireDue(new Date(Date.now() + 40 * 24 * 3_600_000));
    expect(await say(fan, channel.slug, 'still here?')).toMatchObject({
      type: 'error',
      code: 'subscribers_only',
    });
  });

  it('shows a paid tip highlighted in the channel’s chat, once, with the payer and message', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const watcher = await joinAs(channel.slug);
    const checkout = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tips',
        send('POST', { channel: channel.slug, amount: 1500, currency: 'usd', message: 'Great set!' }, viewer),
      ),
      TipCheckoutSchema,
      201,
    );
    const session = [...bed.stripe.sessions.values()].find(
      (s) => s.client_reference_id === checkout.paymentId,
    );
    if (!session) throw new Error('no checkout session');
    const completed = bed.stripe.complete(session.id);
    expect((await bed.deliver(JSON.stringify(completed))).status).toBe(200);

    const frame = await watcher.next('chat.tip', (f) => f.tip.paymentId === checkout.paymentId, {
      timeoutMs: 15_000,
    });
    expect(frame).toEqual({
      type: 'chat.tip',
      channel: channel.slug,
      tip: {
        paymentId: checkout.paymentId,
        amount: 1500,
        currency: 'usd',
        message: 'Great set!',
        from: {
          id: viewer.account.id,
          username: viewer.account.username,
          displayName: viewer.account.displayName,
        },
        receivedAt: expect.any(String),
      },
    });
    // Stripe's retry of the same event is stored once and announces nothing more.
    await bed.deliver(JSON.stringify(completed));
    await bed.processed(completed.id);
    const since = watcher.frames.length;
    await expect(
      watcher.next('chat.tip', (f) => f.tip.paymentId === checkout.paymentId, { since, timeoutMs: 1000 }),
    ).rejects.toThrow(/no chat.tip frame/);
  });

  it('plays a subscribers video only with a token, which its owner and the channel’s subscribers get', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const id = await readyVideo(bed.backends, bed.deps, channel.owner, {
      visibility: 'subscribers',
      channelId: channel.channelId,
    });
    const video = async (user?: SignedInUser) =>
      expectJson(await bed.app.request(`/api/v1/videos/${id}`, send('GET', undefined, user)), VideoSchema);
    const tokenPath = new RegExp(`/vod/${id}/t/[\\w-]+\\.[\\w-]+\\.[\\w-]+/master\\.m3u8$`);
    const plays = async (user?: SignedInUser) => {
      const { playbackUrl } = await video(user);
      return (await bed.app.request(new URL(playbackUrl ?? '').pathname)).status;
    };

    // Anyone finds it on the channel and reads it, but plays nothing without a token.
    const listed = await expectJson(
      await bed.app.request(`/api/v1/channels/${channel.slug}/videos`),
      VideoPageSchema,
    );
    expect(listed.items.map((item) => item.id)).toContain(id);
    expect((await video()).playbackUrl).toBe(`${bed.deps.config.publicUrl}/vod/${id}/master.m3u8`);
    expect(await plays()).toBe(404);
    expect(await plays(viewer)).toBe(404);
    expect((await video(channel.owner)).playbackUrl).toMatch(tokenPath);
    expect(await plays(channel.owner)).toBe(200);

    await subscribe(channel, viewer);
    expect((await video(viewer)).playbackUrl).toMatch(tokenPath);
    expect(await plays(viewer)).toBe(200);

    // Over: no new token (one already issued lasts its few hours, as a private video's does).
    await bed.deps.services.subscriptions.expireDue(new Date(Date.now() + 40 * 24 * 3_600_000));
    expect((await video(viewer)).playbackUrl).toBe(`${bed.deps.config.publicUrl}/vod/${id}/master.m3u8`);
    expect(await plays(viewer)).toBe(404);
  });
});
