/**
 * The notification type registry's api half: which durable event gives which notification, to whom
 * (docs/notifications.md). A new kind is one entry in NOTIFICATION_KINDS (contracts) and one source here;
 * the consumer subscribes to every event named below.
 */
import type { DomainEventName, DomainEventPayload } from '@streamhub/contracts/events';
import type { NotificationData, NotificationType } from '@streamhub/contracts/notifications';

/**
 * Who receives a notification. `followers`: every follower of the channel who has not muted it, found
 * and stored by one INSERT … SELECT (fan-out on write, however many followers).
 */
export type Recipients =
  | { kind: 'users'; userIds: readonly string[] }
  | { kind: 'followers'; channelId: string; except: string };

export interface NotificationDraft {
  type: NotificationType;
  recipients: Recipients;
  channelId: string | null;
  data: NotificationData;
  /** A path on this instance. */
  url: string;
}

/** What a source may look up besides its event's payload. */
export interface SourceLookups {
  usernameOf(userId: string): Promise<string | undefined>;
  /** The author of a comment, undefined when it is gone. */
  commentAuthorOf(commentId: string): Promise<string | undefined>;
  /** A channel's slug, for a notification's text. */
  slugOf(channelId: string): Promise<string | undefined>;
}

type Source<K extends DomainEventName> = (
  payload: DomainEventPayload<K>,
  lookups: SourceLookups,
) => Promise<NotificationDraft[]>;

type Sources = { [K in DomainEventName]?: Source<K> };

const one = (userId: string): Recipients => ({ kind: 'users', userIds: [userId] });

export const NOTIFICATION_SOURCES: Sources = {
  'stream.started': async (live) => [
    {
      type: 'channel.live',
      recipients: { kind: 'followers', channelId: live.channelId, except: live.ownerId },
      channelId: live.channelId,
      data: { slug: live.slug, sessionId: live.sessionId },
      url: `/c/${live.slug}`,
    },
  ],
  'video.ready': async (video) => {
    const drafts: NotificationDraft[] = [
      {
        type: 'video.ready',
        recipients: one(video.ownerId),
        channelId: video.channelId,
        data: { videoId: video.videoId, title: video.title },
        url: `/v/${video.videoId}`,
      },
    ];
    // Only public videos are announced: unlisted and private ones are not for followers' eyes.
    if (video.visibility === 'public' && video.channelId !== null) {
      drafts.push({
        type: 'channel.video',
        recipients: { kind: 'followers', channelId: video.channelId, except: video.ownerId },
        channelId: video.channelId,
        data: { videoId: video.videoId, title: video.title },
        url: `/v/${video.videoId}`,
      });
    }
    return drafts;
  },
  'video.failed': async (video) => [
    {
      type: 'video.failed',
      recipients: one(video.ownerId),
      channelId: null,
      data: { videoId: video.videoId, reason: video.reason },
      url: `/v/${video.videoId}`,
    },
  ],
  'user.followed': async (follow, lookups) => [
    {
      type: 'channel.follower',
      recipients: one(follow.ownerId),
      channelId: follow.channelId,
      data: {
        followerId: follow.followerId,
        username: (await lookups.usernameOf(follow.followerId)) ?? null,
      },
      url: `/c/${follow.slug}`,
    },
  ],
  'comment.created': async (comment, lookups) => {
    if (comment.parentId === null) return [];
    const parentAuthor = await lookups.commentAuthorOf(comment.parentId);
    // Nobody is told of their own reply.
    if (parentAuthor === undefined || parentAuthor === comment.authorId) return [];
    return [
      {
        type: 'comment.reply',
        recipients: one(parentAuthor),
        channelId: null,
        data: {
          commentId: comment.commentId,
          parentId: comment.parentId,
          targetType: comment.targetType,
          targetId: comment.targetId,
          username: (await lookups.usernameOf(comment.authorId)) ?? null,
        },
        // A broadcast has no page of its own; its comments are read from the API.
        url: comment.targetType === 'video' ? `/v/${comment.targetId}` : '/',
      },
    ];
  },
  'tip.received': async (tip, lookups) => [
    {
      type: 'tip.received',
      recipients: one(tip.creatorId),
      channelId: tip.channelId,
      data: {
        paymentId: tip.paymentId,
        amount: tip.amount,
        currency: tip.currency,
        creatorAmount: tip.creatorAmount,
        message: tip.message,
        username: tip.payerId === null ? null : ((await lookups.usernameOf(tip.payerId)) ?? null),
      },
      url: '/settings',
    },
  ],
  'user.password_changed': async (change) => [
    {
      type: 'security.password_changed',
      recipients: one(change.userId),
      channelId: null,
      data: { via: change.via, changedAt: change.changedAt },
      url: '/settings',
    },
  ],
  // Only a sign-in from a device the account never used before: every sign-in would be noise.
  'user.signed_in': async (signIn) =>
    signIn.firstSignIn || signIn.knownDevice
      ? []
      : [
          {
            type: 'security.new_login',
            recipients: one(signIn.userId),
            channelId: null,
            data: { userAgent: signIn.userAgent, ip: signIn.ip, signedInAt: signIn.signedInAt },
            url: '/settings',
          },
        ],
  'subscription.started': async (subscription, lookups) => [
    {
      type: 'subscription.new',
      recipients: one(subscription.creatorId),
      channelId: subscription.channelId,
      data: {
        subscriptionId: subscription.subscriptionId,
        username: (await lookups.usernameOf(subscription.subscriberId)) ?? null,
        price: subscription.price,
        currency: subscription.currency,
      },
      url: '/studio',
    },
  ],
  'subscription.renewed': async (subscription, lookups) => [
    {
      type: 'subscription.renewed',
      recipients: one(subscription.creatorId),
      channelId: subscription.channelId,
      data: {
        subscriptionId: subscription.subscriptionId,
        username: (await lookups.usernameOf(subscription.subscriberId)) ?? null,
      },
      url: '/studio',
    },
  ],
  'subscription.expired': async (subscription, lookups) => [
    {
      type: 'subscription.expired',
      recipients: one(subscription.subscriberId),
      channelId: subscription.channelId,
      data: {
        subscriptionId: subscription.subscriptionId,
        slug: (await lookups.slugOf(subscription.channelId)) ?? null,
      },
      url: '/settings',
    },
  ],
  'subscription.payment_failed': async (subscription, lookups) => [
    {
      type: 'subscription.payment_failed',
      recipients: one(subscription.subscriberId),
      channelId: subscription.channelId,
      data: {
        subscriptionId: subscription.subscriptionId,
        slug: (await lookups.slugOf(subscription.channelId)) ?? null,
        // The grace's end: the perks stop then unless a retry or a new card pays.
        accessUntil: subscription.accessUntil,
      },
      url: '/settings',
    },
  ],
  'subscription.expiring': async (subscription, lookups) => [
    {
      type: 'subscription.expiring',
      recipients: one(subscription.subscriberId),
      channelId: subscription.channelId,
      data: {
        subscriptionId: subscription.subscriptionId,
        slug: (await lookups.slugOf(subscription.channelId)) ?? null,
        // The period's end: the perks stop then, since the subscription will not renew.
        accessUntil: subscription.accessUntil,
      },
      url: '/settings',
    },
  ],
  'webhook.endpoint_disabled': async (disabled) => [
    {
      type: 'webhook.endpoint_disabled',
      recipients: one(disabled.ownerId),
      channelId: null,
      data: {
        endpointId: disabled.endpointId,
        url: disabled.url,
        reason: disabled.reason,
        failingSince: disabled.failingSince,
      },
      url: '/settings',
    },
  ],
  'user.suspended': async (suspension) => [
    {
      type: 'security.suspended',
      recipients: one(suspension.userId),
      channelId: null,
      data: { suspendedAt: suspension.suspendedAt },
      url: '/settings',
    },
  ],
};

/** The events the notifications consumer subscribes to. */
export const NOTIFYING_EVENTS = Object.keys(NOTIFICATION_SOURCES) as DomainEventName[];

/** The drafts `event` gives, none for an event without a source. */
export function draftsFor<K extends DomainEventName>(
  name: K,
  payload: DomainEventPayload<K>,
  lookups: SourceLookups,
): Promise<NotificationDraft[]> {
  const source = NOTIFICATION_SOURCES[name] as Source<K> | undefined;
  return source ? source(payload, lookups) : Promise.resolve([]);
}
