/**
 * Whose webhook endpoints may see an event (docs/webhooks.md): a user's endpoints get the events of
 * their own account, channel and videos; instance endpoints (admins) get every event. An event not
 * listed here goes to instance endpoints only, so a new event type is never shown to the wrong user
 * before someone decides who it concerns.
 */
import type { DomainEventName, DomainEventPayload } from '@streamhub/contracts/events';

export interface Audience {
  /** Users the event concerns directly. */
  users: readonly string[];
  /** Channels it concerns: their owners are in the audience. */
  channels: readonly string[];
}

type AudienceRule<K extends DomainEventName> = (payload: DomainEventPayload<K>) => Audience;

const users = (...ids: (string | null)[]): Audience => ({
  users: ids.filter((id): id is string => id !== null),
  channels: [],
});
const channels = (...ids: string[]): Audience => ({ users: [], channels: ids });

const AUDIENCE: { [K in DomainEventName]?: AudienceRule<K> } = {
  'user.registered': ({ userId }) => users(userId),
  'user.suspended': ({ userId }) => users(userId),
  'session.revoked': ({ userId }) => users(userId),
  'user.signed_in': ({ userId }) => users(userId),
  'user.password_changed': ({ userId }) => users(userId),
  // The account's endpoints go with it (ON DELETE CASCADE): in practice instance endpoints only.
  'user.deleted': ({ userId }) => users(userId),
  // The followed channel's owner, and the follower (their own action).
  'user.followed': ({ ownerId, followerId }) => users(ownerId, followerId),
  'comment.created': ({ authorId }) => users(authorId),
  'video.ready': ({ ownerId }) => users(ownerId),
  'video.failed': ({ ownerId }) => users(ownerId),
  'stream.started': ({ ownerId }) => users(ownerId),
  'stream.ended': ({ channelId }) => channels(channelId),
  'stream.key_revoked': ({ channelId }) => channels(channelId),
  // An admin cut the broadcast: the channel's owner hears of it.
  'stream.cut': ({ channelId }) => channels(channelId),
  // The clipped channel's owner (the clip is a video of their channel), and the clip's maker (their
  // own action; often the owner too, then the endpoint gets it once).
  'clip.created': ({ channelId, makerId }) => ({ users: [makerId], channels: [channelId] }),
  // The creator, and the payer (their own payment).
  'tip.received': ({ creatorId, payerId }) => users(creatorId, payerId),
  // The channel's owner, and the subscriber (their own subscription).
  'subscription.started': ({ creatorId, subscriberId }) => users(creatorId, subscriberId),
  'subscription.renewed': ({ creatorId, subscriberId }) => users(creatorId, subscriberId),
  'subscription.cancelled': ({ creatorId, subscriberId }) => users(creatorId, subscriberId),
  'subscription.expired': ({ creatorId, subscriberId }) => users(creatorId, subscriberId),
  'subscription.payment_failed': ({ creatorId, subscriberId }) => users(creatorId, subscriberId),
  'subscription.expiring': ({ creatorId, subscriberId }) => users(creatorId, subscriberId),
  'webhook.endpoint_disabled': ({ ownerId }) => users(ownerId),
};

/** The audience of one event; nobody but instance endpoints for events without a rule. */
export function audienceOf<K extends DomainEventName>(name: K, payload: DomainEventPayload<K>): Audience {
  const rule = AUDIENCE[name] as AudienceRule<K> | undefined;
  return rule ? rule(payload) : { users: [], channels: [] };
}
