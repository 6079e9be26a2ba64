/** Request and response shapes of the live domain (`/api/v1/channels`): channels, stream keys, sessions. */
import { z } from '@hono/zod-openapi';
import { limitSchema, NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { humanText, text } from './text.ts';

/** The fixed category list; a channel picks one. */
export const CHANNEL_CATEGORIES = [
  'gaming',
  'music',
  'creative',
  'software',
  'education',
  'talk',
  'sports',
  'irl',
  'other',
] as const;
export const ChannelCategorySchema = z.enum(CHANNEL_CATEGORIES);
export type ChannelCategory = z.infer<typeof ChannelCategorySchema>;

export const CHANNEL_TITLE_MAX = 140;
export const CHANNEL_TAGS_MAX = 10;
export const CHANNEL_TAG_MAX = 30;
export const STREAM_KEY_NAME_MAX = 60;
/** Every stream key secret starts with this, so a leaked one is recognisable (secret scanners). */
export const STREAM_KEY_PREFIX = 'sk_live_';

// Path segments of `/api/v1/channels/…` that are not channels.
const RESERVED_SLUGS = new Set(['mine']);

export const ChannelSlugSchema = text()
  .min(3, 'must be at least 3 characters')
  .max(40, 'must be at most 40 characters')
  .regex(/^[a-z0-9-]+$/, 'must use only lowercase letters, digits and -')
  .refine((slug) => !RESERVED_SLUGS.has(slug), 'is reserved')
  .openapi({ example: 'ada-codes' });

const TitleSchema = humanText()
  .min(1, 'must not be empty')
  .max(CHANNEL_TITLE_MAX, `must be at most ${CHANNEL_TITLE_MAX} characters`)
  .openapi({ example: 'Building a compiler, live' });

const TagsSchema = z
  .array(
    humanText()
      .min(1, 'must not be empty')
      .max(CHANNEL_TAG_MAX, `must be at most ${CHANNEL_TAG_MAX} characters`),
  )
  .max(CHANNEL_TAGS_MAX, `must have at most ${CHANNEL_TAGS_MAX} tags`)
  .openapi({ example: ['rust', 'compilers'] });

// BCP 47-ish: a primary subtag and optional subtags (`en`, `pt-BR`, `zh-Hant`); not a full validator.
const LanguageSchema = text()
  .min(2, 'must be at least 2 characters')
  .max(10, 'must be at most 10 characters')
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or pt-BR')
  .openapi({ example: 'en' });

export const CreateChannelRequestSchema = z
  .strictObject({
    slug: ChannelSlugSchema,
    title: TitleSchema,
    category: ChannelCategorySchema.default('other'),
    tags: TagsSchema.default([]),
    language: LanguageSchema.default('en'),
    record: z.boolean().default(false).openapi({ description: 'Keep each broadcast as a VOD' }),
    lowLatency: z.boolean().nullable().optional().openapi({
      description:
        'Low-Latency HLS for the next broadcasts: true or false, null to follow the instance (LIVE_LL_HLS, which may forbid it)',
    }),
  })
  .openapi('CreateChannelRequest');
export type CreateChannelRequest = z.infer<typeof CreateChannelRequestSchema>;

export const UpdateChannelRequestSchema = z
  .strictObject({
    title: TitleSchema.optional(),
    category: ChannelCategorySchema.optional(),
    tags: TagsSchema.optional(),
    language: LanguageSchema.optional(),
    record: z.boolean().optional(),
    lowLatency: z.boolean().nullable().optional().openapi({
      description:
        'Low-Latency HLS for the next broadcasts: true or false, null to follow the instance (LIVE_LL_HLS, which may forbid it)',
    }),
  })
  .refine(
    (body) => Object.values(body).some((value) => value !== undefined),
    'send at least one of title, category, tags, language, record, lowLatency',
  )
  .openapi('UpdateChannelRequest');
export type UpdateChannelRequest = z.infer<typeof UpdateChannelRequestSchema>;

/** The owner's view of their channel. */
export const ChannelSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    category: ChannelCategorySchema,
    tags: z.array(z.string()),
    language: z.string(),
    record: z.boolean(),
    lowLatency: z
      .boolean()
      .nullable()
      .openapi({ description: "The owner's LL-HLS choice; null follows the instance" }),
    lowLatencyEffective: z.boolean().openapi({
      description: 'Whether the next broadcast gets LL-HLS on this instance (the choice within LIVE_LL_HLS)',
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Channel');
export type Channel = z.infer<typeof ChannelSchema>;

export const LiveSessionSummarySchema = z
  .object({
    id: z.uuid().openapi({ description: 'Key of its likes and comments (/api/v1/live-sessions/{id})' }),
    playbackId: z.string().openapi({ description: 'Public handle of this broadcast', example: 'q7Yh…' }),
    startedAt: z.iso.datetime(),
    playbackUrl: z.url().openapi({ example: 'https://streamhub.example/hls/q7Yh…/master.m3u8' }),
    ingest: z
      .object({
        videoCodec: z.string().optional(),
        audioCodec: z.string().optional(),
        width: z.number().int().optional(),
        height: z.number().int().optional(),
        fps: z.number().optional(),
        bitrate: z.number().int().optional(),
        keyframeInterval: z.number().optional(),
      })
      .nullable(),
  })
  .openapi('LiveSessionSummary');

/** The owner's view of the stream coming in, for the creator studio while live. */
export const IngestHealthSchema = z
  .object({
    live: z.boolean(),
    startedAt: z.iso.datetime().nullable(),
    videoCodec: z.string().nullable().openapi({ example: 'h264' }),
    audioCodec: z.string().nullable().openapi({ example: 'aac' }),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    fps: z.number().nullable(),
    bitrate: z.number().int().nullable().openapi({
      description: 'Average ingest bits per second since the broadcast started, sampled every 10 s',
    }),
    keyframeInterval: z
      .number()
      .nullable()
      .openapi({ description: "Seconds between the encoder's last two keyframes", example: 2 }),
  })
  .openapi('IngestHealth');
export type IngestHealth = z.infer<typeof IngestHealthSchema>;

/** What anyone sees of a channel: no ids of the owner, no keys. */
export const PublicChannelSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    category: ChannelCategorySchema,
    tags: z.array(z.string()),
    language: z.string(),
    owner: z.object({ username: z.string(), displayName: z.string().nullable() }),
    live: z.boolean(),
    session: LiveSessionSummarySchema.nullable().openapi({ description: 'The current broadcast, if live' }),
    thumbnailUrl: z
      .url()
      .openapi({ example: 'https://streamhub.example/api/v1/channels/ada-codes/thumbnail.jpg' }),
    followerCount: z.number().int().min(0),
  })
  .openapi('PublicChannel');
export type PublicChannel = z.infer<typeof PublicChannelSchema>;

export const DIRECTORY_MAX_LIMIT = 100;

export const DirectoryQuerySchema = z.object({
  category: ChannelCategorySchema.optional(),
  cursor: text().max(200).optional().openapi({ description: '`nextCursor` of the previous page' }),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(DIRECTORY_MAX_LIMIT, `must be at most ${DIRECTORY_MAX_LIMIT}`)
    .default(24),
});
export type DirectoryQuery = z.infer<typeof DirectoryQuerySchema>;

export const DirectoryPageSchema = z
  .object({
    items: z.array(PublicChannelSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Null on the last page' }),
  })
  .openapi('DirectoryPage');
export type DirectoryPage = z.infer<typeof DirectoryPageSchema>;

/** `?q=&limit=` of the channel search: the first matches only (no further pages). */
export const ChannelSearchQuerySchema = z.object({
  q: text()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .openapi({ description: 'Words found in the slug, title, tags or streamer name (all must match)' }),
  limit: limitSchema(24),
});
export type ChannelSearchQuery = z.infer<typeof ChannelSearchQuerySchema>;

export const ChannelSearchResultSchema = z
  .object({
    items: z
      .array(PublicChannelSchema)
      .openapi({ description: 'Live channels first, then by title; at most `limit`' }),
  })
  .openapi('ChannelSearchResult');
export type ChannelSearchResult = z.infer<typeof ChannelSearchResultSchema>;

/** `?cursor=&limit=` of a channel's broadcasts. */
export const BroadcastsQuerySchema = pageQuerySchema(20);
export type BroadcastsQuery = z.infer<typeof BroadcastsQuerySchema>;

/**
 * One broadcast of a channel, live or over. No playback id: the list must not lead to a recording's raw
 * files around its video's visibility (while live, the channel page has it).
 */
export const BroadcastSchema = z
  .object({
    id: z.uuid().openapi({ description: 'Key of its likes and comments (/api/v1/live-sessions/{id})' }),
    status: z.enum(['live', 'ended']),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable().openapi({ description: 'Null while live' }),
    peakViewers: z.number().int().min(0),
    ingest: z
      .object({
        videoCodec: z.string().nullable().openapi({ example: 'h264' }),
        audioCodec: z.string().nullable().openapi({ example: 'aac' }),
        resolution: z.string().nullable().openapi({ example: '1920x1080' }),
        bitrate: z.number().int().nullable().openapi({
          description:
            'Average ingest bits per second: the whole broadcast once over, a running figure while live',
        }),
      })
      .nullable()
      .openapi({ description: 'What the media node learned of the incoming stream; null if nothing' }),
    recorded: z.boolean(),
    videoId: z.uuid().nullable().openapi({
      description:
        'The video the recording became, when the caller may find it: public and ready, or any of their own',
    }),
  })
  .openapi('Broadcast');
export type Broadcast = z.infer<typeof BroadcastSchema>;

export const BroadcastPageSchema = z
  .object({ items: z.array(BroadcastSchema), nextCursor: NextCursorSchema })
  .openapi('BroadcastPage');
export type BroadcastPage = z.infer<typeof BroadcastPageSchema>;

export const ChannelSlugParamsSchema = z.object({
  // Any string: a slug that could never exist is simply not found.
  slug: text()
    .max(100)
    .openapi({ param: { name: 'slug', in: 'path' }, example: 'ada-codes' }),
});

export const StreamKeyParamsSchema = ChannelSlugParamsSchema.extend({
  id: z.uuid('must be a stream key id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const CreateStreamKeyRequestSchema = z
  .strictObject({
    name: humanText()
      .min(1, 'must not be empty')
      .max(STREAM_KEY_NAME_MAX, `must be at most ${STREAM_KEY_NAME_MAX} characters`)
      .openapi({ example: 'OBS desktop' }),
  })
  .openapi('CreateStreamKeyRequest');
export type CreateStreamKeyRequest = z.infer<typeof CreateStreamKeyRequestSchema>;

/** A key as lists show it: never the secret or its hash. */
export const StreamKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    masked: z
      .string()
      .openapi({ description: 'The first characters, for recognising it', example: 'sk_live_ab12…' }),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi('StreamKey');
export type StreamKey = z.infer<typeof StreamKeySchema>;

/** Returned once, on creation or rotation: the only time the secret is shown. */
export const CreatedStreamKeySchema = StreamKeySchema.extend({
  secret: z.string().openapi({ description: 'Shown once; paste it into OBS as the stream key' }),
}).openapi('CreatedStreamKey');
export type CreatedStreamKey = z.infer<typeof CreatedStreamKeySchema>;

export const StreamKeyListSchema = z.object({ items: z.array(StreamKeySchema) }).openapi('StreamKeyList');
export type StreamKeyList = z.infer<typeof StreamKeyListSchema>;
