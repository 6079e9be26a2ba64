/**
 * `/api/v1/channels/{slug}/…`: chat history, chat rules, moderators, bans and time-outs, and the
 * moderation log. Messages themselves are posted over `/ws` (docs/realtime.md).
 */
import { createRoute } from '@hono/zod-openapi';
import { ChannelSlugParamsSchema } from '@streamhub/contracts/channels';
import {
  BanRequestSchema,
  ChannelModeratorListSchema,
  ChannelModeratorSchema,
  ChannelUserParamsSchema,
  ChatMessagePageSchema,
  ChatMessageParamsSchema,
  ChatMessagesQuerySchema,
  ChatRestrictionListSchema,
  ChatRestrictionSchema,
  ModerationLogPageSchema,
  ModerationLogQuerySchema,
  TimeoutRequestSchema,
  UpdateChatSettingsRequestSchema,
} from '@streamhub/contracts/chat';
import { ChatSettingsSchema } from '@streamhub/contracts/realtime';
import type { AppContext } from '../../context.ts';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';
import type { ChatActor } from './chat.service.ts';

const tags = ['chat'];
const channelNotFound = problemResponse('No channel has this slug (`not_found`)');
const moderatorErrors = {
  403: problemResponse(
    'The caller is not the owner, a moderator of this channel or an admin (`forbidden`), or is suspended (`account_suspended`)',
  ),
  404: channelNotFound,
};
const ownerErrors = {
  403: problemResponse(
    'The caller is not the owner of this channel or an admin (`forbidden`), or is suspended (`account_suspended`)',
  ),
  404: channelNotFound,
};
const targetErrors = {
  ...moderatorErrors,
  403: problemResponse(
    'The caller may not moderate here (`forbidden`) or not this user: the owner, themselves, or another moderator when the caller is a moderator (`chat_target_protected`)',
  ),
  404: problemResponse('No such channel or user (`not_found`)'),
  422: problemResponse('The user id is not a uuid, or a field is invalid (`validation_failed`)'),
};

const actor = (c: AppContext): ChatActor => ({ userId: c.var.auth.userId, role: c.var.auth.role });

const listMessages = createRoute({
  method: 'get',
  path: '/{slug}/chat/messages',
  operationId: 'listChatMessages',
  tags,
  summary: 'Chat history, newest first; follow nextCursor for older messages',
  request: { params: ChannelSlugParamsSchema, query: ChatMessagesQuerySchema },
  responses: {
    200: jsonResponse(ChatMessagePageSchema, 'One page of messages, deleted ones left out'),
    404: channelNotFound,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const deleteMessage = signedInRoute({
  method: 'delete',
  path: '/{slug}/chat/messages/{id}',
  operationId: 'deleteChatMessage',
  tags,
  summary: 'Delete a chat message for everyone (author, owner, moderators, admins); idempotent',
  request: { params: ChatMessageParamsSchema },
  responses: {
    204: { description: 'The message is deleted' },
    403: problemResponse(
      "The caller may not delete this message (`forbidden`), or is a moderator and it is the owner's or another moderator's (`chat_target_protected`)",
    ),
    404: problemResponse('No such channel, or no such message in it (`not_found`)'),
    422: problemResponse('The message id is not a uuid (`validation_failed`)'),
  },
});

const getSettings = createRoute({
  method: 'get',
  path: '/{slug}/chat/settings',
  operationId: 'getChatSettings',
  tags,
  summary: "The channel's chat rules: slow mode and followers-only",
  request: { params: ChannelSlugParamsSchema },
  responses: { 200: jsonResponse(ChatSettingsSchema, 'The rules'), 404: channelNotFound },
});

const updateSettings = signedInRoute({
  method: 'patch',
  path: '/{slug}/chat/settings',
  operationId: 'updateChatSettings',
  tags,
  summary: 'Change the chat rules (owner, moderators, admins); the room hears of it at once',
  request: { params: ChannelSlugParamsSchema, body: jsonBody(UpdateChatSettingsRequestSchema) },
  responses: {
    200: jsonResponse(ChatSettingsSchema, 'The rules now in force'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...moderatorErrors,
    422: problemResponse('A field is invalid or unknown, or the body is empty (`validation_failed`)'),
  },
});

const listModerators = signedInRoute({
  method: 'get',
  path: '/{slug}/moderators',
  operationId: 'listChannelModerators',
  tags,
  summary: "The channel's moderators (owner, admins)",
  request: { params: ChannelSlugParamsSchema },
  responses: { 200: jsonResponse(ChannelModeratorListSchema, 'Every moderator'), ...ownerErrors },
});

const addModerator = signedInRoute({
  method: 'put',
  path: '/{slug}/moderators/{userId}',
  operationId: 'addChannelModerator',
  tags,
  summary: 'Appoint a moderator (owner, admins); idempotent',
  request: { params: ChannelUserParamsSchema },
  responses: {
    200: jsonResponse(ChannelModeratorSchema, 'The moderator'),
    ...ownerErrors,
    404: problemResponse('No such channel or user (`not_found`)'),
    409: problemResponse('The user is the owner, who moderates anyway (`conflict`)'),
    422: problemResponse('The user id is not a uuid (`validation_failed`)'),
  },
});

const removeModerator = signedInRoute({
  method: 'delete',
  path: '/{slug}/moderators/{userId}',
  operationId: 'removeChannelModerator',
  tags,
  summary: 'Remove a moderator (owner, admins); idempotent',
  request: { params: ChannelUserParamsSchema },
  responses: {
    204: { description: 'The user is not a moderator (any more)' },
    ...ownerErrors,
    422: problemResponse('The user id is not a uuid (`validation_failed`)'),
  },
});

const listRestrictions = signedInRoute({
  method: 'get',
  path: '/{slug}/chat/restrictions',
  operationId: 'listChatRestrictions',
  tags,
  summary: 'Bans and time-outs in force (owner, moderators, admins)',
  request: { params: ChannelSlugParamsSchema },
  responses: { 200: jsonResponse(ChatRestrictionListSchema, 'Newest first'), ...moderatorErrors },
});

const ban = signedInRoute({
  method: 'put',
  path: '/{slug}/chat/bans/{userId}',
  operationId: 'banChatUser',
  tags,
  summary:
    'Ban a user from the chat until unbanned (owner, moderators, admins); a banned moderator stops being one',
  request: { params: ChannelUserParamsSchema, body: jsonBody(BanRequestSchema, false) },
  responses: {
    200: jsonResponse(ChatRestrictionSchema, 'The ban'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...targetErrors,
  },
});

const unban = signedInRoute({
  method: 'delete',
  path: '/{slug}/chat/bans/{userId}',
  operationId: 'unbanChatUser',
  tags,
  summary: 'Lift a ban or a time-out (owner, moderators, admins); idempotent',
  request: { params: ChannelUserParamsSchema },
  responses: { 204: { description: 'The user may chat again' }, ...targetErrors },
});

const timeout = signedInRoute({
  method: 'put',
  path: '/{slug}/chat/timeouts/{userId}',
  operationId: 'timeoutChatUser',
  tags,
  summary: 'Time a user out for 1 s to 14 days (owner, moderators, admins); replaces a ban or time-out',
  request: { params: ChannelUserParamsSchema, body: jsonBody(TimeoutRequestSchema) },
  responses: {
    200: jsonResponse(ChatRestrictionSchema, 'The time-out, with its end'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...targetErrors,
  },
});

const moderationLog = signedInRoute({
  method: 'get',
  path: '/{slug}/moderation-log',
  operationId: 'listModerationLog',
  tags,
  summary: 'Every moderation action in the channel, newest first (owner, admins)',
  request: { params: ChannelSlugParamsSchema, query: ModerationLogQuerySchema },
  responses: {
    200: jsonResponse(ModerationLogPageSchema, 'One page of the log'),
    ...ownerErrors,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

export const chatRoutes = () =>
  createRouter()
    .openapi(listMessages, async (c) =>
      c.json(await c.var.deps.services.chat.messages(c.req.valid('param').slug, c.req.valid('query')), 200),
    )
    .openapi(deleteMessage, async (c) => {
      const { slug, id } = c.req.valid('param');
      await c.var.deps.services.chat.deleteMessage(actor(c), slug, id);
      return c.body(null, 204);
    })
    .openapi(getSettings, async (c) =>
      c.json(await c.var.deps.services.chat.settings(c.req.valid('param').slug), 200),
    )
    .openapi(updateSettings, async (c) =>
      c.json(
        await c.var.deps.services.chat.updateSettings(
          actor(c),
          c.req.valid('param').slug,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(listModerators, async (c) =>
      c.json(await c.var.deps.services.chat.moderators(actor(c), c.req.valid('param').slug), 200),
    )
    .openapi(addModerator, async (c) => {
      const { slug, userId } = c.req.valid('param');
      return c.json(await c.var.deps.services.chat.addModerator(actor(c), slug, userId), 200);
    })
    .openapi(removeModerator, async (c) => {
      const { slug, userId } = c.req.valid('param');
      await c.var.deps.services.chat.removeModerator(actor(c), slug, userId);
      return c.body(null, 204);
    })
    .openapi(listRestrictions, async (c) =>
      c.json(await c.var.deps.services.chat.restrictions(actor(c), c.req.valid('param').slug), 200),
    )
    .openapi(ban, async (c) => {
      const { slug, userId } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      return c.json(await c.var.deps.services.chat.ban(actor(c), slug, userId, reason), 200);
    })
    .openapi(unban, async (c) => {
      const { slug, userId } = c.req.valid('param');
      await c.var.deps.services.chat.unban(actor(c), slug, userId);
      return c.body(null, 204);
    })
    .openapi(timeout, async (c) => {
      const { slug, userId } = c.req.valid('param');
      const { seconds, reason } = c.req.valid('json');
      return c.json(await c.var.deps.services.chat.timeout(actor(c), slug, userId, seconds, reason), 200);
    })
    .openapi(moderationLog, async (c) =>
      c.json(
        await c.var.deps.services.chat.moderationLog(
          actor(c),
          c.req.valid('param').slug,
          c.req.valid('query'),
        ),
        200,
      ),
    );
