/**
 * REST shapes of the clips domain (`/api/v1/channels/{slug}/clips`): instant clips of a live broadcast,
 * which become videos of the channel credited to their maker (docs/clips.md).
 */
import { z } from '@hono/zod-openapi';
import { humanText } from './text.ts';
import { VIDEO_TITLE_MAX } from './videos.ts';

export const CLIP_MIN_SECONDS = 5;
export const CLIP_MAX_SECONDS = 60;

export const CreateClipSchema = z
  .strictObject({
    seconds: z
      .number()
      .int()
      .min(CLIP_MIN_SECONDS, `must be at least ${CLIP_MIN_SECONDS}`)
      .max(CLIP_MAX_SECONDS, `must be at most ${CLIP_MAX_SECONDS}`)
      .openapi({ description: 'How many of the last seconds of the broadcast to clip', example: 30 }),
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
    liveSessionId: z.uuid().nullable(),
    makerId: z.uuid().openapi({ description: 'Who made the clip' }),
    seconds: z.number().int().openapi({ description: 'Seconds of media in the clip (whole segments)' }),
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
