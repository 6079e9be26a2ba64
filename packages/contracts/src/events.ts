/**
 * Domain events: name → payload schema. Publishers and consumers share these through the event bus
 * (`@streamhub/infra/event-bus/port`), which validates payloads on both ends.
 */
import { z } from 'zod';

export const UserRegisteredEventSchema = z.object({
  userId: z.uuid(),
  username: z.string(),
  // Plain string on purpose: the identity domain owns e-mail validation; an event must not fail after the fact.
  email: z.string(),
});

/** A broadcast began: the media node's publish was accepted. */
export const StreamStartedEventSchema = z.object({
  sessionId: z.uuid(),
  channelId: z.uuid(),
  playbackId: z.string(),
  slug: z.string(),
  ownerId: z.uuid(),
  record: z.boolean(),
  startedAt: z.iso.datetime(),
});

/** A broadcast ended (publisher gone and the grace window over, or the node stopped it). */
export const StreamEndedEventSchema = z.object({
  sessionId: z.uuid(),
  channelId: z.uuid(),
  playbackId: z.string(),
  slug: z.string(),
  recorded: z.boolean(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
});

/** An admin suspended the account: its live broadcast is cut and its sessions stop working. */
export const UserSuspendedEventSchema = z.object({
  userId: z.uuid(),
  suspendedAt: z.iso.datetime(),
});

/**
 * Login sessions stopped working: logout, logout everywhere, a password change or reset, a suspension,
 * a reused refresh token. Every gateway replica signs the sockets of these sessions out.
 */
export const SessionRevokedEventSchema = z.object({
  userId: z.uuid(),
  sessionIds: z.array(z.uuid()).min(1),
  /** `logout`, `logout_all`, `password_changed`, `password_reset`, `suspended`, `refresh_reuse`, … */
  reason: z.string(),
  revokedAt: z.iso.datetime(),
});

/**
 * An account was deleted; published after the deletion committed. The rows that pointed at the user went
 * with it (ON DELETE CASCADE), so the ids of what it owned travel here, read just before: each domain
 * removes its own data that still refers to them. Consumers must be idempotent (every replica hears it).
 */
export const UserDeletedEventSchema = z.object({
  userId: z.uuid(),
  /** The account's channel, if it had one. */
  channelId: z.uuid().nullable(),
  /** Every broadcast of that channel, live or over; `playbackId` names its files under `media/live`. */
  liveSessions: z.array(z.object({ id: z.uuid(), playbackId: z.string() })),
  /** Every video the account owned, in any status (uploads in progress included). */
  videoIds: z.array(z.uuid()),
  deletedAt: z.iso.datetime(),
});

/** An admin cut a live broadcast: the media node holding it disconnects the publisher at once. */
export const StreamCutEventSchema = z.object({
  sessionId: z.uuid(),
  channelId: z.uuid(),
  cutBy: z.uuid(),
  cutAt: z.iso.datetime(),
});

/**
 * Someone clipped a live broadcast or a finished video of the channel: the clip is a video of the
 * channel, credited to its maker (docs/clips.md).
 */
export const ClipCreatedEventSchema = z.object({
  clipId: z.uuid(),
  videoId: z.uuid(),
  channelId: z.uuid(),
  /** The broadcast clipped live; null for a clip of a finished video. */
  liveSessionId: z.uuid().nullable(),
  /** The finished video clipped (a recording or an upload); null for a live clip. */
  sourceVideoId: z.uuid().nullable(),
  /** Where in `sourceVideoId` the clip starts (a keyframe at or before the asked point); null for a live clip. */
  startSeconds: z.number().nullable(),
  makerId: z.uuid(),
  seconds: z.number().int(),
  createdAt: z.iso.datetime(),
});

/** A stream key stopped working (revoked, or replaced by a rotation): a broadcast using it is cut. */
export const StreamKeyRevokedEventSchema = z.object({
  keyId: z.uuid(),
  channelId: z.uuid(),
  reason: z.enum(['revoked', 'rotated']),
  revokedAt: z.iso.datetime(),
});

/** A viewer followed a channel (not emitted again when the follow already existed). */
export const UserFollowedEventSchema = z.object({
  followerId: z.uuid(),
  channelId: z.uuid(),
  slug: z.string(),
  ownerId: z.uuid(),
  followedAt: z.iso.datetime(),
});

/** What a comment is attached to; videos arrive with the VOD issue and need no migration. */
export const CommentTargetTypeSchema = z.enum(['live_session', 'video']);

export const CommentCreatedEventSchema = z.object({
  commentId: z.uuid(),
  targetType: CommentTargetTypeSchema,
  targetId: z.uuid(),
  authorId: z.uuid(),
  /** The comment it answers, for a reply. */
  parentId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
});

/** A video finished processing and can be played. */
export const VideoReadyEventSchema = z.object({
  videoId: z.uuid(),
  ownerId: z.uuid(),
  channelId: z.uuid().nullable(),
  title: z.string(),
  visibility: z.enum(['public', 'unlisted', 'private', 'subscribers']),
  durationMs: z.number().int().min(0),
  readyAt: z.iso.datetime(),
});

/** Processing a video failed for good (after its retries); `reason` is for its owner. */
export const VideoFailedEventSchema = z.object({
  videoId: z.uuid(),
  ownerId: z.uuid(),
  reason: z.string(),
});

/** A tip was paid: booked in the ledger by the transaction that stored this event (docs/payments.md). */
export const TipReceivedEventSchema = z.object({
  paymentId: z.uuid(),
  channelId: z.uuid(),
  /** The channel owner's user id. */
  creatorId: z.uuid(),
  /** Null when the payer's account is gone. */
  payerId: z.uuid().nullable(),
  /** Minor units of `currency` the payer paid; `creatorAmount + platformFee = amount`. */
  amount: z.number().int().positive(),
  currency: z.string().regex(/^[a-z]{3}$/),
  platformFee: z.number().int().min(0),
  creatorAmount: z.number().int().min(0),
  message: z.string().nullable(),
  provider: z.string(),
  /** The ledger entry that booked it. */
  entryId: z.uuid(),
  receivedAt: z.iso.datetime(),
});

/**
 * A payment provider's webhook event was verified and stored once (`payments.provider_events`); the
 * payments domain's durable consumer handles it. Only the key travels: the event itself is in the table.
 */
export const PaymentWebhookReceivedEventSchema = z.object({
  provider: z.string(),
  eventId: z.string(),
  type: z.string(),
});

/**
 * A channel subscription changed (docs/payments.md): `subscription.started` (its first payment booked),
 * `.renewed` (a later one), `.cancelled` (the subscriber cancelled; perks last until `accessUntil`),
 * `.expired` (perks are over), `.payment_failed` (a renewal could not be charged: past due, perks kept
 * until `accessUntil`, the grace's end), `.expiring` (a cancelled subscription's perks end at
 * `accessUntil`, a few days ahead; once per period, from the payments domain's scheduled notices).
 * Stored by the transaction that changed (or, for `.expiring`, noticed) the subscription.
 */
export const SubscriptionEventSchema = z.object({
  subscriptionId: z.uuid(),
  channelId: z.uuid(),
  /** The channel owner's user id. */
  creatorId: z.uuid(),
  subscriberId: z.uuid(),
  tierId: z.uuid(),
  /** Minor units of `currency` per month. */
  price: z.number().int().positive(),
  currency: z.string().regex(/^[a-z]{3}$/),
  provider: z.string(),
  /** Until when the subscriber keeps the perks; null once expired. */
  accessUntil: z.iso.datetime().nullable(),
  /** The ledger entry of the payment behind `started` and `renewed`; null for the others. */
  entryId: z.uuid().nullable(),
  at: z.iso.datetime(),
});

/**
 * A webhook endpoint kept failing for the whole retry window and was turned off (docs/webhooks.md); its
 * owner should hear of it (the notifications domain's to tell them).
 */
export const WebhookEndpointDisabledEventSchema = z.object({
  endpointId: z.uuid(),
  ownerId: z.uuid(),
  url: z.string(),
  /** Why, for the owner: the last attempt's outcome. */
  reason: z.string(),
  /** Failing without a success since then. */
  failingSince: z.iso.datetime(),
  disabledAt: z.iso.datetime(),
});

/** A session was opened by proving who one is (password or OAuth); stored with the session. */
export const UserSignedInEventSchema = z.object({
  userId: z.uuid(),
  sessionId: z.uuid(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  /** The account's first session ever (its sign-up), which is nobody's surprise. */
  firstSignIn: z.boolean(),
  /** An earlier session of the account came from this user agent. */
  knownDevice: z.boolean(),
  signedInAt: z.iso.datetime(),
});

/** The account's password was set: changed by its owner, or reset through an emailed link. */
export const UserPasswordChangedEventSchema = z.object({
  userId: z.uuid(),
  via: z.enum(['change', 'reset']),
  changedAt: z.iso.datetime(),
});

/**
 * An admin changed instance settings (docs/events.md): the audit record of who changed what, stored with
 * the change; published on the bus after the commit so that every replica reads the settings afresh.
 * A `null` value is "no stored value" (the environment's default applies).
 */
export const InstanceSettingsUpdatedEventSchema = z.object({
  actorId: z.uuid(),
  changes: z
    .array(z.object({ key: z.string(), from: z.unknown().nullable(), to: z.unknown().nullable() }))
    .min(1),
  updatedAt: z.iso.datetime(),
});

/** Every event the app publishes; later issues add `video.ready`, `payment.succeeded`, … */
export const DOMAIN_EVENTS = {
  'user.registered': UserRegisteredEventSchema,
  'user.suspended': UserSuspendedEventSchema,
  'session.revoked': SessionRevokedEventSchema,
  'user.deleted': UserDeletedEventSchema,
  'user.followed': UserFollowedEventSchema,
  'comment.created': CommentCreatedEventSchema,
  'video.ready': VideoReadyEventSchema,
  'video.failed': VideoFailedEventSchema,
  'stream.started': StreamStartedEventSchema,
  'stream.ended': StreamEndedEventSchema,
  'stream.key_revoked': StreamKeyRevokedEventSchema,
  'stream.cut': StreamCutEventSchema,
  'clip.created': ClipCreatedEventSchema,
  'tip.received': TipReceivedEventSchema,
  'payment.webhook_received': PaymentWebhookReceivedEventSchema,
  'user.signed_in': UserSignedInEventSchema,
  'user.password_changed': UserPasswordChangedEventSchema,
  'subscription.started': SubscriptionEventSchema,
  'subscription.renewed': SubscriptionEventSchema,
  'subscription.cancelled': SubscriptionEventSchema,
  'subscription.expired': SubscriptionEventSchema,
  'subscription.payment_failed': SubscriptionEventSchema,
  'subscription.expiring': SubscriptionEventSchema,
  'webhook.endpoint_disabled': WebhookEndpointDisabledEventSchema,
  'instance.settings_updated': InstanceSettingsUpdatedEventSchema,
} as const;

export type DomainEvents = typeof DOMAIN_EVENTS;

export type DomainEventName = keyof DomainEvents;

/** The payload a consumer of event `K` receives. */
export type DomainEventPayload<K extends DomainEventName> = z.output<DomainEvents[K]>;
