/**
 * REST shapes of chat and its moderation (`/api/v1/channels/{slug}/chat/…`, `/moderators`,
 * `/moderation-log`). Live chat itself travels over `/ws` (realtime.ts); these are the history, the
 * rules and the moderators' tools.
 */
import { z } from '@hono/zod-openapi';
import { ChannelSlugParamsSchema } from './channels.ts';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { ChatMessageSchema, ChatSettingsSchema } from './realtime.ts';
import { humanText } from './text.ts';

/** The longest time-out: two weeks. Longer than that is a ban. */
export const CHAT_TIMEOUT_MAX_SECONDS = 14 * 24 * 60 * 60;
export const MODERATION_REASON_MAX = 500;

/** Mirrors the database enum `chat.moderation_action`. */
export const MODERATION_ACTIONS = [
  'delete_message',
  'timeout',
  'ban',
  'unban',
  'add_moderator',
  'remove_moderator',
  'update_chat_settings',
] as const;
export const ModerationActionSchema = z.enum(MODERATION_ACTIONS);
export type ModerationAction = z.infer<typeof ModerationActionSchema>;

export const ChatMessageParamsSchema = ChannelSlugParamsSchema.extend({
  id: z.uuid('must be a message id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const ChannelUserParamsSchema = ChannelSlugParamsSchema.extend({
  userId: z.uuid('must be a user id (uuid)').openapi({ param: { name: 'userId', in: 'path' } }),
});

// ---------------------------------------------------------------------------------------------------
// History

export const ChatMessagesQuerySchema = pageQuerySchema(50);
export type ChatMessagesQuery = z.infer<typeof ChatMessagesQuerySchema>;

export const ChatMessagePageSchema = z
  .object({
    items: z.array(ChatMessageSchema).openapi({ description: 'Newest first; deleted messages left out' }),
    nextCursor: NextCursorSchema.openapi({
      description: 'Cursor of the older messages; null at the beginning',
    }),
  })
  .openapi('ChatMessagePage');
export type ChatMessagePage = z.infer<typeof ChatMessagePageSchema>;

// ---------------------------------------------------------------------------------------------------
// Settings

export const UpdateChatSettingsRequestSchema = z
  .strictObject({
    slowModeSeconds: ChatSettingsSchema.shape.slowModeSeconds.optional(),
    followersOnly: z.boolean().optional(),
    subscribersOnly: z.boolean().optional(),
  })
  .refine(
    (body) =>
      body.slowModeSeconds !== undefined ||
      body.followersOnly !== undefined ||
      body.subscribersOnly !== undefined,
    'send at least one of slowModeSeconds, followersOnly, subscribersOnly',
  )
  .openapi('UpdateChatSettingsRequest');
export type UpdateChatSettingsRequest = z.infer<typeof UpdateChatSettingsRequestSchema>;

// ---------------------------------------------------------------------------------------------------
// Moderators and restrictions

export const ChatUserSchema = z
  .object({ id: z.uuid(), username: z.string(), displayName: z.string().nullable() })
  .openapi('ChatUser');
export type ChatUser = z.infer<typeof ChatUserSchema>;

/** A user as the moderation log names them; null when the account was deleted since. */
const UserRefSchema = z.object({ id: z.uuid(), username: z.string() }).openapi('ChatUserRef');

export const ChannelModeratorSchema = z
  .object({ user: ChatUserSchema, since: z.iso.datetime() })
  .openapi('ChannelModerator');
export type ChannelModerator = z.infer<typeof ChannelModeratorSchema>;

export const ChannelModeratorListSchema = z
  .object({ items: z.array(ChannelModeratorSchema).openapi({ description: 'Longest-serving first' }) })
  .openapi('ChannelModeratorList');
export type ChannelModeratorList = z.infer<typeof ChannelModeratorListSchema>;

const ReasonSchema = humanText()
  .min(1, 'must not be empty')
  .max(MODERATION_REASON_MAX, `must be at most ${MODERATION_REASON_MAX} characters`)
  .openapi({ description: 'Shown to the user when their messages are refused', example: 'spam' });

export const BanRequestSchema = z.strictObject({ reason: ReasonSchema.optional() }).openapi('BanRequest');
export type BanRequest = z.infer<typeof BanRequestSchema>;

export const TimeoutRequestSchema = z
  .strictObject({
    seconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1')
      .max(CHAT_TIMEOUT_MAX_SECONDS, `must be at most ${CHAT_TIMEOUT_MAX_SECONDS} (14 days)`)
      .openapi({ example: 600 }),
    reason: ReasonSchema.optional(),
  })
  .openapi('TimeoutRequest');
export type TimeoutRequest = z.infer<typeof TimeoutRequestSchema>;

export const ChatRestrictionSchema = z
  .object({
    user: ChatUserSchema,
    kind: z.enum(['ban', 'timeout']),
    /** End of a time-out; null for a ban. */
    expiresAt: z.iso.datetime().nullable(),
    reason: z.string().nullable(),
    createdBy: UserRefSchema.nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ChatRestriction');
export type ChatRestriction = z.infer<typeof ChatRestrictionSchema>;

export const ChatRestrictionListSchema = z
  .object({ items: z.array(ChatRestrictionSchema).openapi({ description: 'Newest first; in force only' }) })
  .openapi('ChatRestrictionList');
export type ChatRestrictionList = z.infer<typeof ChatRestrictionListSchema>;

// ---------------------------------------------------------------------------------------------------
// Moderation log

export const ModerationLogQuerySchema = pageQuerySchema(50);
export type ModerationLogQuery = z.infer<typeof ModerationLogQuerySchema>;

export const ModerationLogEntrySchema = z
  .object({
    id: z.uuid(),
    action: ModerationActionSchema,
    actor: UserRefSchema.nullable(),
    target: UserRefSchema.nullable(),
    /** The deleted message, body included, for `delete_message`. */
    message: z.object({ id: z.uuid(), body: z.string() }).nullable(),
    /** Time-out length, or the new slow mode for `update_chat_settings`. */
    durationSeconds: z.number().int().nullable(),
    /** The moderator's reason, or a summary of the new rules for `update_chat_settings`. */
    reason: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ModerationLogEntry');
export type ModerationLogEntry = z.infer<typeof ModerationLogEntrySchema>;

export const ModerationLogPageSchema = z
  .object({
    items: z.array(ModerationLogEntrySchema).openapi({ description: 'Newest first' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('ModerationLogPage');
export type ModerationLogPage = z.infer<typeof ModerationLogPageSchema>;
