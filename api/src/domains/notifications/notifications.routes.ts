/** The notification feed and preferences: `/api/v1/notifications…` (docs/notifications.md). */
import { createRoute } from '@hono/zod-openapi';
import {
  ChannelMuteParamsSchema,
  NotificationFeedQuerySchema,
  NotificationIdParamsSchema,
  NotificationPageSchema,
  NotificationPreferencesSchema,
  NotificationTypeParamsSchema,
  PushRegistrationListSchema,
  PushRegistrationSchema,
  RegisterPushSchema,
  TypePreferenceSchema,
  UnreadCountSchema,
  UnsubscribedSchema,
  UnsubscribeQuerySchema,
  UpdateEmailDigestSchema,
  UpdateTypePreferenceSchema,
  VapidPublicKeySchema,
} from '@streamhub/contracts/notifications';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['notifications'];
const invalid = problemResponse('A parameter or the body is invalid (`validation_failed`)');
const noContent = { 204: { description: 'Done' } };

const feed = signedInRoute({
  tags,
  method: 'get',
  path: '/',
  operationId: 'listNotifications',
  summary: "The caller's in-app notifications, newest first",
  request: { query: NotificationFeedQuerySchema },
  responses: {
    200: jsonResponse(NotificationPageSchema, 'One page of notifications'),
    422: invalid,
  },
});

const unreadCount = signedInRoute({
  tags,
  method: 'get',
  path: '/unread-count',
  operationId: 'countUnreadNotifications',
  summary: 'How many in-app notifications the caller has not read',
  responses: { 200: jsonResponse(UnreadCountSchema, 'The unread count') },
});

const markAllRead = signedInRoute({
  tags,
  method: 'post',
  path: '/read-all',
  operationId: 'markAllNotificationsRead',
  summary: "Marks every one of the caller's notifications read",
  responses: { ...noContent },
});

const markRead = signedInRoute({
  tags,
  method: 'post',
  path: '/items/{id}/read',
  operationId: 'markNotificationRead',
  summary: 'Marks one notification read; idempotent',
  request: { params: NotificationIdParamsSchema },
  responses: {
    ...noContent,
    404: problemResponse('The caller has no such notification (`not_found`)'),
    422: invalid,
  },
});

const remove = signedInRoute({
  tags,
  method: 'delete',
  path: '/items/{id}',
  operationId: 'deleteNotification',
  summary: 'Deletes one notification',
  request: { params: NotificationIdParamsSchema },
  responses: {
    ...noContent,
    404: problemResponse('The caller has no such notification (`not_found`)'),
    422: invalid,
  },
});

const getPreferences = signedInRoute({
  tags,
  method: 'get',
  path: '/preferences',
  operationId: 'getNotificationPreferences',
  summary: "The caller's delivery choices per type, email digest and muted channels",
  responses: { 200: jsonResponse(NotificationPreferencesSchema, 'The preferences') },
});

const setTypePreference = signedInRoute({
  tags,
  method: 'patch',
  path: '/preferences/types/{type}',
  operationId: 'updateNotificationTypePreference',
  summary: 'Turns in-app, email or push delivery of one type on or off',
  request: { params: NotificationTypeParamsSchema, body: jsonBody(UpdateTypePreferenceSchema) },
  responses: {
    200: jsonResponse(TypePreferenceSchema, "The type's delivery now"),
    422: problemResponse(
      'Invalid type or body (`validation_failed`), or a security notice turned off (`preference_locked`)',
    ),
  },
});

const setEmailDigest = signedInRoute({
  tags,
  method: 'put',
  path: '/preferences/email-digest',
  operationId: 'updateNotificationEmailDigest',
  summary: 'One email per notification (`off`), or one per hour or day',
  request: { body: jsonBody(UpdateEmailDigestSchema) },
  responses: { ...noContent, 422: invalid },
});

const mute = signedInRoute({
  tags,
  method: 'put',
  path: '/preferences/muted-channels/{slug}',
  operationId: 'muteChannelNotifications',
  summary: "No more notifications of a channel's go-lives and videos (the follow stays); idempotent",
  request: { params: ChannelMuteParamsSchema },
  responses: {
    ...noContent,
    404: problemResponse('No channel has this slug (`not_found`)'),
    422: invalid,
  },
});

const unmute = signedInRoute({
  tags,
  method: 'delete',
  path: '/preferences/muted-channels/{slug}',
  operationId: 'unmuteChannelNotifications',
  summary: "A muted channel's notifications again; idempotent",
  request: { params: ChannelMuteParamsSchema },
  responses: {
    ...noContent,
    404: problemResponse('No channel has this slug (`not_found`)'),
    422: invalid,
  },
});

const unsubscribe = createRoute({
  tags,
  method: 'post',
  path: '/unsubscribe',
  operationId: 'unsubscribeNotificationEmails',
  summary:
    'One-click unsubscribe (RFC 8058) from one kind of notification email, with the signed token of its link; no sign-in',
  request: { query: UnsubscribeQuerySchema },
  responses: {
    200: jsonResponse(UnsubscribedSchema, 'That kind is no longer emailed'),
    400: problemResponse('The token is not a valid unsubscribe token (`invalid_unsubscribe_token`)'),
    422: invalid,
  },
});

const vapidKey = createRoute({
  tags,
  method: 'get',
  path: '/push/vapid-public-key',
  operationId: 'getVapidPublicKey',
  summary: 'The Web Push application server key (VAPID) browsers subscribe with',
  responses: {
    200: jsonResponse(VapidPublicKeySchema, 'The key, or null when Web Push is off'),
  },
});

const registerPush = signedInRoute({
  tags,
  method: 'post',
  path: '/push/registrations',
  operationId: 'registerPushDevice',
  summary: "Registers a browser's Web Push subscription or a mobile app's FCM token for the caller",
  request: { body: jsonBody(RegisterPushSchema) },
  responses: { 201: jsonResponse(PushRegistrationSchema, 'Registered'), 422: invalid },
});

const listPush = signedInRoute({
  tags,
  method: 'get',
  path: '/push/registrations',
  operationId: 'listPushDevices',
  summary: "The caller's registered push devices",
  responses: {
    200: jsonResponse(PushRegistrationListSchema, 'The registrations'),
  },
});

const unregisterPush = signedInRoute({
  tags,
  method: 'delete',
  path: '/push/registrations/{id}',
  operationId: 'unregisterPushDevice',
  summary: 'Removes one of the caller’s push devices',
  request: { params: NotificationIdParamsSchema },
  responses: {
    ...noContent,
    404: problemResponse('The caller has no such registration (`not_found`)'),
    422: invalid,
  },
});

/** Mounted under `/api/v1/notifications`. */
export const notificationRoutes = () =>
  createRouter()
    .openapi(feed, async (c) =>
      c.json(await c.var.deps.services.notifications.feed(c.var.auth.userId, c.req.valid('query')), 200),
    )
    .openapi(unreadCount, async (c) =>
      c.json({ unread: await c.var.deps.services.notifications.unreadCount(c.var.auth.userId) }, 200),
    )
    .openapi(markAllRead, async (c) => {
      await c.var.deps.services.notifications.markAllRead(c.var.auth.userId);
      return c.body(null, 204);
    })
    .openapi(markRead, async (c) => {
      await c.var.deps.services.notifications.markRead(c.var.auth.userId, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(remove, async (c) => {
      await c.var.deps.services.notifications.delete(c.var.auth.userId, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(getPreferences, async (c) =>
      c.json(await c.var.deps.services.notifications.preferences(c.var.auth.userId), 200),
    )
    .openapi(setTypePreference, async (c) =>
      c.json(
        await c.var.deps.services.notifications.setTypePreference(
          c.var.auth.userId,
          c.req.valid('param').type,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(setEmailDigest, async (c) => {
      await c.var.deps.services.notifications.setEmailDigest(
        c.var.auth.userId,
        c.req.valid('json').emailDigest,
      );
      return c.body(null, 204);
    })
    .openapi(mute, async (c) => {
      await c.var.deps.services.notifications.muteChannel(c.var.auth.userId, c.req.valid('param').slug);
      return c.body(null, 204);
    })
    .openapi(unmute, async (c) => {
      await c.var.deps.services.notifications.unmuteChannel(c.var.auth.userId, c.req.valid('param').slug);
      return c.body(null, 204);
    })
    .openapi(unsubscribe, async (c) =>
      c.json(await c.var.deps.services.notifications.unsubscribe(c.req.valid('query').token), 200),
    )
    .openapi(vapidKey, (c) => c.json({ publicKey: c.var.deps.services.notifications.vapidPublicKey() }, 200))
    .openapi(registerPush, async (c) =>
      c.json(
        await c.var.deps.services.notifications.registerPush(c.var.auth.userId, c.req.valid('json')),
        201,
      ),
    )
    .openapi(listPush, async (c) =>
      c.json({ items: await c.var.deps.services.notifications.pushRegistrations(c.var.auth.userId) }, 200),
    )
    .openapi(unregisterPush, async (c) => {
      await c.var.deps.services.notifications.unregisterPush(c.var.auth.userId, c.req.valid('param').id);
      return c.body(null, 204);
    });

export type NotificationRoutes = ReturnType<typeof notificationRoutes>;
