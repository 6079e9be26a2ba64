/**
 * Request and response shapes of the content domain: videos (`/api/v1/videos`), the public library and
 * the metadata of a tus upload (`/api/v1/uploads`).
 */
import { z } from '@hono/zod-openapi';
import { CHANNEL_CATEGORIES } from './channels.ts';
import { CursorSchema, limitSchema, NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { humanText, text } from './text.ts';

/** Videos use the channels' category list, so one browse menu serves both. */
export const VideoCategorySchema = z.enum(CHANNEL_CATEGORIES);
export type VideoCategory = z.infer<typeof VideoCategorySchema>;

export const VIDEO_VISIBILITIES = ['public', 'unlisted', 'private', 'subscribers'] as const;
export const VideoVisibilitySchema = z.enum(VIDEO_VISIBILITIES).openapi({
  description:
    'public: in the library and on the channel; unlisted: anyone with the link; private: the owner only; ' +
    'subscribers: listed on the channel, played by its subscribers and its owner only',
});
export type VideoVisibility = z.infer<typeof VideoVisibilitySchema>;

export const VIDEO_STATUSES = ['uploading', 'uploaded', 'processing', 'ready', 'failed'] as const;
export const VideoStatusSchema = z.enum(VIDEO_STATUSES);
export type VideoStatus = z.infer<typeof VideoStatusSchema>;

export const VIDEO_TITLE_MAX = 140;
export const VIDEO_DESCRIPTION_MAX = 5000;
export const VIDEO_TAGS_MAX = 15;
export const VIDEO_TAG_MAX = 30;

export const VideoTitleSchema = humanText()
  .min(1, 'must not be empty')
  .max(VIDEO_TITLE_MAX, `must be at most ${VIDEO_TITLE_MAX} characters`)
  .openapi({ example: 'How a compiler parses' });

export const VideoDescriptionSchema = humanText().max(
  VIDEO_DESCRIPTION_MAX,
  `must be at most ${VIDEO_DESCRIPTION_MAX} characters`,
);

/** Lower-cased and de-duplicated: the search column indexes tags as stored (array_to_tsvector keeps case). */
export const VideoTagsSchema = z
  .array(
    humanText()
      .min(1, 'must not be empty')
      .max(VIDEO_TAG_MAX, `must be at most ${VIDEO_TAG_MAX} characters`)
      .transform((tag) => tag.toLowerCase()),
  )
  .max(VIDEO_TAGS_MAX, `must have at most ${VIDEO_TAGS_MAX} tags`)
  .transform((tags) => [...new Set(tags)])
  .openapi({ example: ['rust', 'compilers'] });

export const VideoRenditionSchema = z
  .object({
    resolution: z.string().openapi({ example: '1280x720' }),
    width: z.number().int(),
    height: z.number().int(),
    bandwidth: z.number().int().openapi({ description: 'Peak bits per second' }),
  })
  .openapi('VideoRendition');

export const VideoSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    category: VideoCategorySchema,
    visibility: VideoVisibilitySchema,
    source: z.enum(['upload', 'recording']),
    status: VideoStatusSchema,
    progress: z.number().int().min(0).max(100).openapi({ description: 'Percent, while processing' }),
    failureReason: z.string().nullable().openapi({ description: 'Why processing failed (status failed)' }),
    durationMs: z.number().int().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    sourceBytes: z.number().int().nullable(),
    renditions: z.array(VideoRenditionSchema).openapi({ description: 'Highest first; empty until ready' }),
    viewCount: z.number().int().min(0),
    playbackUrl: z.url().nullable().openapi({
      description:
        'HLS master playlist once ready; for a private video (owner only) it carries a playback token that expires',
      example: 'https://streamhub.example/vod/0b6c…/master.m3u8',
    }),
    posterUrl: z.url().nullable(),
    storyboardUrl: z.url().nullable().openapi({ description: 'WebVTT map of the storyboard sprite' }),
    channel: z.object({ slug: z.string(), title: z.string() }).nullable(),
    owner: z.object({ username: z.string(), displayName: z.string().nullable() }),
    createdAt: z.iso.datetime(),
    readyAt: z.iso.datetime().nullable(),
  })
  .openapi('Video');
export type Video = z.infer<typeof VideoSchema>;

export const VideoPageSchema = z
  .object({
    items: z.array(VideoSchema),
    nextCursor: NextCursorSchema,
  })
  .openapi('VideoPage');
export type VideoPage = z.infer<typeof VideoPageSchema>;

export const VideoIdParamsSchema = z.object({
  id: z.uuid('must be a video id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const UpdateVideoRequestSchema = z
  .strictObject({
    title: VideoTitleSchema.optional(),
    description: VideoDescriptionSchema.optional(),
    tags: VideoTagsSchema.optional(),
    category: VideoCategorySchema.optional(),
    visibility: VideoVisibilitySchema.optional(),
  })
  .refine(
    (body) => Object.values(body).some((value) => value !== undefined),
    'send at least one of title, description, tags, category, visibility',
  )
  .openapi('UpdateVideoRequest');
export type UpdateVideoRequest = z.infer<typeof UpdateVideoRequestSchema>;

export const LibraryQuerySchema = z.object({
  sort: z.enum(['newest', 'most_viewed']).default('newest').openapi({
    description: 'Ignored with `q`: search results come best match first',
  }),
  category: VideoCategorySchema.optional(),
  tag: humanText()
    .min(1)
    .max(VIDEO_TAG_MAX)
    .transform((tag) => tag.toLowerCase())
    .optional(),
  q: text().trim().min(1).max(200).optional().openapi({
    description:
      'Full-text search over title, tags and description (web search syntax: "a phrase", -word, or)',
  }),
  cursor: CursorSchema,
  limit: limitSchema(24),
});
export type LibraryQuery = z.infer<typeof LibraryQuerySchema>;

export const PageQuerySchema = pageQuerySchema(24);
export type PageQuery = z.infer<typeof PageQuerySchema>;

/**
 * What a tus creation may carry in `Upload-Metadata` (values base64 per tus; tags comma-separated).
 * `filename` and `filetype` are what tus clients send by default; both are informational only.
 */
export const UploadMetadataSchema = z.object({
  title: VideoTitleSchema,
  description: VideoDescriptionSchema.default(''),
  tags: text()
    .default('')
    .transform((raw) =>
      raw
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
    )
    .pipe(VideoTagsSchema),
  category: VideoCategorySchema.default('other'),
  visibility: VideoVisibilitySchema.default('public'),
  filename: text().max(255).optional(),
  filetype: text().max(255).optional(),
});
export type UploadMetadata = z.infer<typeof UploadMetadataSchema>;
