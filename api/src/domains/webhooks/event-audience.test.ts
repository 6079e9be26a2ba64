/** Who each event concerns, for webhook scoping: the rules, and the instance-only default. */
import type { DomainEventPayload } from '@streamhub/contracts/events';
import { describe, expect, it } from 'vitest';
import { audienceOf } from './event-audience.ts';

const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
const at = new Date().toISOString();

describe('audienceOf', () => {
  it("names the users an event is about: an account's own, a channel's owner, both sides of a follow, tip or subscription", () => {
    expect(audienceOf('user.suspended', { userId: a, suspendedAt: at })).toEqual({
      users: [a],
      channels: [],
    });
    expect(audienceOf('user.password_changed', { userId: a, via: 'reset', changedAt: at })).toEqual({
      users: [a],
      channels: [],
    });
    expect(
      audienceOf('user.followed', { followerId: a, channelId: c, slug: 's', ownerId: b, followedAt: at }),
    ).toEqual({ users: [b, a], channels: [] });
    const tip: DomainEventPayload<'tip.received'> = {
      paymentId: c,
      channelId: c,
      creatorId: b,
      payerId: null,
      amount: 100,
      currency: 'usd',
      platformFee: 10,
      creatorAmount: 90,
      message: null,
      provider: 'stripe',
      entryId: c,
      receivedAt: at,
    };
    // A payer whose account is gone is nobody's audience.
    expect(audienceOf('tip.received', tip)).toEqual({ users: [b], channels: [] });
    expect(
      audienceOf('subscription.renewed', {
        subscriptionId: c,
        channelId: c,
        creatorId: b,
        subscriberId: a,
        tierId: c,
        price: 500,
        currency: 'usd',
        provider: 'stripe',
        accessUntil: at,
        entryId: null,
        at,
      }),
    ).toEqual({ users: [b, a], channels: [] });
  });

  it('names the channel when the event carries no owner, for the owner to be read from it', () => {
    expect(
      audienceOf('stream.key_revoked', { keyId: a, channelId: c, reason: 'rotated', revokedAt: at }),
    ).toEqual({ users: [], channels: [c] });
    expect(audienceOf('stream.cut', { sessionId: a, channelId: c, cutBy: b, cutAt: at })).toEqual({
      users: [],
      channels: [c],
    });
    // A clip: its maker by id, the clipped channel's owner through the channel.
    expect(
      audienceOf('clip.created', {
        clipId: a,
        videoId: b,
        channelId: c,
        liveSessionId: a,
        sourceVideoId: null,
        startSeconds: null,
        makerId: b,
        seconds: 30,
        createdAt: at,
      }),
    ).toEqual({ users: [b], channels: [c] });
  });

  it('leaves an event without a rule to instance endpoints', () => {
    expect(
      audienceOf('payment.webhook_received', { provider: 'stripe', eventId: 'evt_1', type: 'x' }),
    ).toEqual({
      users: [],
      channels: [],
    });
  });
});
