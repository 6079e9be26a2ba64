/**
 * REST shapes of the notifications domain (`/api/v1/notifications…`, docs/notifications.md): the kinds
 * of notification with their default delivery, the in-app feed, and each user's preferences.
 */
import { z } from '@hono/zod-openapi';
import { ChannelSlugSchema } from './channels.ts';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { text } from './text.ts';

/** Where a notification may go: the in-app feed (and `/ws`), email, push (Web Push and FCM). */
export interface DeliveryBits {
  inApp: boolean;
  email: boolean;
  push: boolean;
}

interface NotificationKind {
  /** What a user who never touched their preferences receives. */
  defaults: DeliveryBits;
  /** Security notices: in-app and email cannot be turned off. */
  locked: boolean;
}

const kind = (inApp: boolean, email: boolean, push: boolean, locked = false): NotificationKind => ({
  defaults: { inApp, email, push },
  locked,
});

/**
 * Every kind of notification and how it is delivered by default (PeerTube's per-type web/email bits,
 * plus push). Adding a kind is one entry here and one source in the api's notification-sources.ts.
 */
export const NOTIFICATION_KINDS = {
  'channel.live': kind(true, false, true),
  'channel.video': kind(true, false, false),
  'channel.follower': kind(true, false, false),
  'comment.reply': kind(true, false, true),
  'tip.received': kind(true, true, true),
  'subscription.new': kind(true, true, true),
  'subscription.renewed': kind(true, false, false),
  'subscription.expired': kind(true, true, false),
  'subscription.payment_failed': kind(true, true, false),
  'subscription.expiring': kind(true, true, false),
  'video.ready': kind(true, false, true),
  'video.failed': kind(true, true, false),
  'webhook.endpoint_disabled': kind(true, true, false),
  'security.password_changed': kind(true, true, false, true),
  'security.new_login': kind(true, true, false, true),
  'security.suspended': kind(true, true, false, true),
} as const satisfies Record<string, NotificationKind>;

export type NotificationType = keyof typeof NOTIFICATION_KINDS;
export const NOTIFICATION_TYPES = Object.keys(NOTIFICATION_KINDS) as [
  NotificationType,
  ...NotificationType[],
];
export const NotificationTypeSchema = z.enum(NOTIFICATION_TYPES).openapi('NotificationType');

/** What a notification is about, as much as its text and link need (never a secret). */
export const NotificationDataSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .openapi('NotificationData');
export type NotificationData = z.infer<typeof NotificationDataSchema>;

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    type: NotificationTypeSchema,
    /** The channel it is about (a followed channel, the user's own), when there is one. */
    channelId: z.uuid().nullable(),
    data: NotificationDataSchema,
    /** Where the bell's entry links to (a path on this instance). */
    url: z.string().openapi({ example: '/c/ada' }),
    readAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Notification');
export type Notification = z.infer<typeof NotificationSchema>;

export const NotificationFeedQuerySchema = pageQuerySchema(20).extend({
  unread: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true')
    .openapi({ description: 'Only unread notifications' }),
});
export type NotificationFeedQuery = z.infer<typeof NotificationFeedQuerySchema>;

export const NotificationPageSchema = z
  .object({ items: z.array(NotificationSchema), nextCursor: NextCursorSchema })
  .openapi('NotificationPage');
export type NotificationPage = z.infer<typeof NotificationPageSchema>;

export const UnreadCountSchema = z.object({ unread: z.number().int().min(0) }).openapi('UnreadCount');
export type UnreadCount = z.infer<typeof UnreadCountSchema>;

export const NotificationIdParamsSchema = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const NotificationTypeParamsSchema = z.object({
  type: NotificationTypeSchema.openapi({ param: { name: 'type', in: 'path' } }),
});

export const ChannelMuteParamsSchema = z.object({
  slug: ChannelSlugSchema.openapi({ param: { name: 'slug', in: 'path' } }),
});

/** Email per event, or gathered into one email an hour or a day. */
export const EMAIL_DIGESTS = ['off', 'hourly', 'daily'] as const;
export const EmailDigestSchema = z.enum(EMAIL_DIGESTS).openapi('EmailDigest');
export type EmailDigest = z.infer<typeof EmailDigestSchema>;

export const TypePreferenceSchema = z
  .object({
    type: NotificationTypeSchema,
    inApp: z.boolean(),
    email: z.boolean(),
    push: z.boolean(),
    /** Security notices: in-app and email stay on whatever is asked. */
    locked: z.boolean(),
  })
  .openapi('NotificationTypePreference');
export type TypePreference = z.infer<typeof TypePreferenceSchema>;

export const MutedChannelSchema = z
  .object({ channelId: z.uuid(), slug: z.string(), mutedAt: z.iso.datetime() })
  .openapi('MutedChannel');
export type MutedChannel = z.infer<typeof MutedChannelSchema>;

export const NotificationPreferencesSchema = z
  .object({
    types: z.array(TypePreferenceSchema),
    emailDigest: EmailDigestSchema,
    mutedChannels: z.array(MutedChannelSchema),
  })
  .openapi('NotificationPreferences');
export type NotificationPreferences = z.infer<typeof NotificationPreferencesSchema>;

/** A change of one type's bits; the bits left out keep their value. */
export const UpdateTypePreferenceSchema = z
  .object({ inApp: z.boolean(), email: z.boolean(), push: z.boolean() })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one of inApp, email, push')
  .openapi('UpdateNotificationTypePreference');
export type UpdateTypePreference = z.infer<typeof UpdateTypePreferenceSchema>;

export const UpdateEmailDigestSchema = z
  .object({ emailDigest: EmailDigestSchema })
  .strict()
  .openapi('UpdateEmailDigest');

/** The signed token of a one-click unsubscribe link (docs/notifications.md, Email). */
export const UnsubscribeQuerySchema = z.object({
  token: text()
    .min(1)
    .max(512)
    .openapi({ param: { name: 'token', in: 'query' } }),
});

export const UnsubscribedSchema = z
  .object({ type: NotificationTypeSchema, email: z.literal(false) })
  .openapi('Unsubscribed');

/** One email or push of one stored notification (the `notifications.deliver` job). */
export const NotificationDeliverJobSchema = z.object({
  notificationId: z.uuid(),
  via: z.enum(['email', 'push']),
});
export type NotificationDeliverJob = z.infer<typeof NotificationDeliverJobSchema>;

// ---------------------------------------------------------------------------------------------------
// Push

export const VapidPublicKeySchema = z
  .object({
    publicKey: z.string().nullable().openapi({
      description:
        'The application server key for PushManager.subscribe; null when Web Push is off on this instance',
    }),
  })
  .openapi('VapidPublicKey');

const base64UrlKey = (max: number) =>
  text()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+=*$/, 'must be URL-safe base64');

/** A browser's PushSubscription as `subscription.toJSON()` gives it. */
export const WebPushSubscriptionSchema = z
  .object({
    kind: z.literal('webpush'),
    endpoint: text()
      .max(2048)
      .refine((value) => {
        try {
          return new URL(value).protocol === 'https:';
        } catch {
          return false;
        }
      }, 'must be an https:// URL'),
    keys: z.object({ p256dh: base64UrlKey(200), auth: base64UrlKey(100) }),
  })
  .openapi('WebPushSubscription');

/** A mobile app's FCM registration token. */
export const FcmRegistrationSchema = z
  .object({
    kind: z.literal('fcm'),
    token: text()
      .min(1)
      .max(4096)
      .regex(/^[A-Za-z0-9_:.-]+$/, 'must be an FCM registration token'),
  })
  .openapi('FcmRegistration');

export const RegisterPushSchema = z
  .discriminatedUnion('kind', [WebPushSubscriptionSchema, FcmRegistrationSchema])
  .openapi('RegisterPush');
export type RegisterPush = z.infer<typeof RegisterPushSchema>;

export const PushRegistrationSchema = z
  .object({ id: z.uuid(), kind: z.enum(['webpush', 'fcm']), createdAt: z.iso.datetime() })
  .openapi('PushRegistration');
export type PushRegistration = z.infer<typeof PushRegistrationSchema>;

export const PushRegistrationListSchema = z
  .object({ items: z.array(PushRegistrationSchema) })
  .openapi('PushRegistrationList');
