/**
 * REST shapes of the clips domain (`/api/v1/channels/{slug}/clips`): clips of a live broadcast or of a
 * finished video of the channel (a recording or an upload), which become videos of the channel credited
 * to their maker (docs/clips.md).
 */
import { z } from '@hono/zod-openapi';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { humanText } from './text.ts';
import { VIDEO_TITLE_MAX, VideoStatusSchema } from './videos.ts';

export const CLIP_MIN_SECONDS = 5;
export const CLIP_MAX_SECONDS = 60;

export const CreateClipSchema = z
  .strictObject({
    seconds: z
      .number()
      .int()
      .min(CLIP_MIN_SECONDS, `must be at least ${CLIP_MIN_SECONDS}`)
      .max(CLIP_MAX_SECONDS, `must be at most ${CLIP_MAX_SECONDS}`)
      .openapi({
        description: 'How many seconds to clip: the last ones of the broadcast, or from `from.startSeconds`',
        example: 30,
      }),
    from: z
      .strictObject({
        videoId: z
          .uuid()
          .openapi({ description: "A ready video of the channel: a broadcast's recording or an upload" }),
        startSeconds: z.number().min(0, 'must be at least 0').openapi({
          description: 'Where the clip starts, seconds from the start of the video',
          example: 95,
        }),
      })
      .optional()
      .openapi({ description: 'Clip a finished video instead of the live broadcast' }),
    title: humanText()
      .min(1, 'must not be empty')
      .max(VIDEO_TITLE_MAX, `must be at most ${VIDEO_TITLE_MAX} characters`)
      .optional()
      .openapi({ description: 'Defaults to "Clip of <channel title>"' }),
  })
  .openapi('CreateClip');
export type CreateClip = z.infer<typeof CreateClipSchema>;

export const ClipSchema = z
  .object({
    id: z.uuid(),
    videoId: z
      .uuid()
      .openapi({ description: 'The video the clip became (/v/{videoId}, /api/v1/videos/{id})' }),
    liveSessionId: z
      .uuid()
      .nullable()
      .openapi({ description: 'The broadcast clipped live (null for a clip of a finished video)' }),
    sourceVideoId: z
      .uuid()
      .nullable()
      .openapi({ description: 'The finished video clipped (null: the live broadcast)' }),
    makerId: z.uuid().openapi({ description: 'Who made the clip' }),
    seconds: z.number().int().openapi({ description: 'Seconds of media in the clip (whole segments)' }),
    startSeconds: z.number().nullable().openapi({
      description: 'Where in the clipped video the clip starts (a keyframe at or before the asked point)',
    }),
    watchUrl: z.url(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Clip');
export type Clip = z.infer<typeof ClipSchema>;

export const ClipSettingsSchema = z
  .strictObject({
    viewersMayClip: z.boolean().openapi({ description: 'Signed-in viewers may clip; the owner always may' }),
  })
  .openapi('ClipSettings');
export type ClipSettings = z.infer<typeof ClipSettingsSchema>;

/** One clip as the channel's owner lists them in the studio: its video's title and state, and its maker. */
export const ChannelClipSchema = z
  .object({
    id: z.uuid(),
    videoId: z.uuid().openapi({ description: 'The video the clip became (/v/{videoId})' }),
    title: z.string().openapi({ description: "The clip's video's title, as the owner may have edited it" }),
    status: VideoStatusSchema.openapi({ description: "The clip's video's processing state" }),
    seconds: z.number().int().openapi({ description: 'Seconds of media in the clip' }),
    maker: z
      .object({ username: z.string(), displayName: z.string().nullable() })
      .openapi({ description: 'Who made the clip' }),
    watchUrl: z.url(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ChannelClip');
export type ChannelClip = z.infer<typeof ChannelClipSchema>;

export const ChannelClipPageSchema = z
  .object({ items: z.array(ChannelClipSchema), nextCursor: NextCursorSchema })
  .openapi('ChannelClipPage');
export type ChannelClipPage = z.infer<typeof ChannelClipPageSchema>;

export const ChannelClipsQuerySchema = pageQuerySchema(24);
export type ChannelClipsQuery = z.infer<typeof ChannelClipsQuerySchema>;
