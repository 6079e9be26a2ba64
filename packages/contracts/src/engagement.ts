/**
 * REST shapes of follows, likes and comments (`/api/v1/channels/{slug}/follow…`, `/api/v1/me/following`,
 * `/api/v1/live-sessions/{id}/like|comments`, `/api/v1/comments/{id}…`). Likes and comments attach to a
 * target (a live session now, a video later), so their shapes name the target instead of assuming one.
 */
import { z } from '@hono/zod-openapi';
import { ChannelCategorySchema } from './channels.ts';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { humanText } from './text.ts';

export const COMMENT_BODY_MAX = 2000;

/** Mirrors the database enum `engagement.target_type` and `CommentTargetTypeSchema` of the events. */
export const ENGAGEMENT_TARGET_TYPES = ['live_session', 'video'] as const;
export const EngagementTargetTypeSchema = z.enum(ENGAGEMENT_TARGET_TYPES);
export type EngagementTargetType = z.infer<typeof EngagementTargetTypeSchema>;

/** A user as lists of followers and comments show them. */
export const UserSummarySchema = z
  .object({
    id: z.uuid(),
    username: z.string().openapi({ example: 'ada' }),
    displayName: z.string().nullable().openapi({ example: 'Ada' }),
  })
  .openapi('UserSummary');
export type UserSummary = z.infer<typeof UserSummarySchema>;

// ---------------------------------------------------------------------------------------------------
// Follows

export const FollowStateSchema = z
  .object({
    following: z.boolean().openapi({ description: 'Whether the caller follows the channel' }),
    followerCount: z.number().int().min(0),
  })
  .openapi('FollowState');
export type FollowState = z.infer<typeof FollowStateSchema>;

export const FollowersQuerySchema = pageQuerySchema(50);
export type FollowersQuery = z.infer<typeof FollowersQuerySchema>;

export const FollowerSchema = z
  .object({ user: UserSummarySchema, followedAt: z.iso.datetime() })
  .openapi('Follower');
export type Follower = z.infer<typeof FollowerSchema>;

export const FollowerPageSchema = z
  .object({
    items: z.array(FollowerSchema).openapi({ description: 'Newest follow first' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('FollowerPage');
export type FollowerPage = z.infer<typeof FollowerPageSchema>;

export const FollowingQuerySchema = pageQuerySchema(50);
export type FollowingQuery = z.infer<typeof FollowingQuerySchema>;

/** A channel the caller follows: enough for a sidebar, with whether it is live now. */
export const FollowedChannelSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    category: ChannelCategorySchema,
    owner: z.object({ username: z.string(), displayName: z.string().nullable() }),
    live: z.boolean(),
    session: z
      .object({
        id: z.uuid().openapi({ description: 'For the likes and comments of this broadcast' }),
        playbackId: z.string(),
        startedAt: z.iso.datetime(),
      })
      .nullable()
      .openapi({ description: 'The current broadcast, if live' }),
    thumbnailUrl: z.url().nullable().openapi({
      description:
        "The live broadcast's latest thumbnail; null when offline and in a broadcast's first seconds, before its first thumbnail is written (asking for it then answers 404)",
      example: 'https://streamhub.example/api/v1/channels/ada-codes/thumbnail.jpg',
    }),
    followedAt: z.iso.datetime(),
  })
  .openapi('FollowedChannel');
export type FollowedChannel = z.infer<typeof FollowedChannelSchema>;

export const FollowedChannelPageSchema = z
  .object({
    items: z
      .array(FollowedChannelSchema)
      .openapi({ description: 'Live channels first, then the most recent follow first' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('FollowedChannelPage');
export type FollowedChannelPage = z.infer<typeof FollowedChannelPageSchema>;

// ---------------------------------------------------------------------------------------------------
// Likes

export const LikeStateSchema = z
  .object({
    liked: z.boolean().openapi({ description: 'Whether the caller likes it; false when anonymous' }),
    likeCount: z.number().int().min(0),
  })
  .openapi('LikeState');
export type LikeState = z.infer<typeof LikeStateSchema>;

// ---------------------------------------------------------------------------------------------------
// Comments

/** Comment text: trimmed, 1 to COMMENT_BODY_MAX characters, no control characters but newlines and tabs. */
export const CommentBodySchema = humanText()
  .min(1, 'must not be empty')
  .max(COMMENT_BODY_MAX, `must be at most ${COMMENT_BODY_MAX} characters`)
  .openapi({ example: 'That boss fight was unreal.' });

/** Path parameters of `/api/v1/live-sessions/{id}/…` (and of videos later). */
export const TargetParamsSchema = z.object({
  id: z.uuid('must be an id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const CommentParamsSchema = z.object({
  id: z.uuid('must be a comment id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const CreateCommentRequestSchema = z
  .strictObject({
    body: CommentBodySchema,
    parentId: z
      .uuid('must be a comment id (uuid)')
      .optional()
      .openapi({ description: 'The top-level comment this answers; replies go one level deep' }),
  })
  .openapi('CreateCommentRequest');
export type CreateCommentRequest = z.infer<typeof CreateCommentRequestSchema>;

export const UpdateCommentRequestSchema = z
  .strictObject({ body: CommentBodySchema })
  .openapi('UpdateCommentRequest');
export type UpdateCommentRequest = z.infer<typeof UpdateCommentRequestSchema>;

export const CommentsQuerySchema = pageQuerySchema(20);
export type CommentsQuery = z.infer<typeof CommentsQuerySchema>;

export const CommentSchema = z
  .object({
    id: z.uuid(),
    targetType: EngagementTargetTypeSchema,
    targetId: z.uuid(),
    parentId: z.uuid().nullable().openapi({ description: 'Set on replies' }),
    author: UserSummarySchema,
    body: z.string(),
    createdAt: z.iso.datetime(),
    edited: z.boolean(),
    editedAt: z.iso.datetime().nullable(),
    replyCount: z.number().int().min(0).openapi({ description: 'Always 0 on replies' }),
  })
  .openapi('Comment');
export type Comment = z.infer<typeof CommentSchema>;

export const CommentPageSchema = z
  .object({
    items: z
      .array(CommentSchema)
      .openapi({ description: 'Top-level comments newest first; replies oldest first' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('CommentPage');
export type CommentPage = z.infer<typeof CommentPageSchema>;
