/**
 * REST shapes of the restream domain (`/api/v1/channels/{slug}/restream/destinations`): the other
 * RTMP(S) destinations a channel is forwarded to while live, and each one's state (docs/restream.md).
 */
import { z } from '@hono/zod-openapi';
import { ChannelSlugParamsSchema } from './channels.ts';
import { humanText, text } from './text.ts';

export const RESTREAM_NAME_MAX = 60;
export const RESTREAM_URL_MAX = 1024;
export const RESTREAM_KEY_MAX = 512;

export const RestreamStateSchema = z
  .enum(['connecting', 'live', 'failed', 'offline'])
  .openapi({ description: 'Where the forward to this destination stands' });
export type RestreamState = z.infer<typeof RestreamStateSchema>;

const RestreamUrlSchema = text()
  .trim()
  .max(RESTREAM_URL_MAX, `must be at most ${RESTREAM_URL_MAX} characters`)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') &&
        url.hostname !== '' &&
        !url.username &&
        !url.password &&
        !url.search &&
        !url.hash
      );
    } catch {
      return false;
    }
  }, 'must be an rtmp:// or rtmps:// server URL without user name, password, query or fragment')
  .openapi({ example: 'rtmps://a.rtmp.youtube.com/live2' });

/** A destination's stream key: printable, no spaces or slashes (it becomes the last path segment). */
const RestreamKeySchema = text()
  .min(1, 'must not be empty')
  .max(RESTREAM_KEY_MAX, `must be at most ${RESTREAM_KEY_MAX} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .refine((value) => !value.includes('/'), 'must not contain "/"')
  .openapi({ example: 'abcd-efgh-ijkl-mnop' });

const RestreamNameSchema = humanText()
  .trim()
  .min(1, 'must not be empty')
  .max(RESTREAM_NAME_MAX, `must be at most ${RESTREAM_NAME_MAX} characters`)
  .openapi({ example: 'YouTube' });

export const CreateRestreamDestinationSchema = z
  .strictObject({
    name: RestreamNameSchema,
    url: RestreamUrlSchema,
    streamKey: RestreamKeySchema,
    enabled: z.boolean().optional(),
  })
  .openapi('CreateRestreamDestination');
export type CreateRestreamDestination = z.infer<typeof CreateRestreamDestinationSchema>;

export const UpdateRestreamDestinationSchema = z
  .strictObject({
    name: RestreamNameSchema.optional(),
    url: RestreamUrlSchema.optional(),
    streamKey: RestreamKeySchema.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('UpdateRestreamDestination');
export type UpdateRestreamDestination = z.infer<typeof UpdateRestreamDestinationSchema>;

export const RestreamDestinationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    url: z.string().openapi({ description: 'The server URL; the key is never returned' }),
    keyHint: z.string().openapi({ description: 'The last characters of the stream key', example: '…mnop' }),
    enabled: z.boolean(),
    state: RestreamStateSchema,
    stateReason: z
      .string()
      .nullable()
      .openapi({ description: 'Why the last attempt failed (`failed` only)' }),
    stateAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('RestreamDestination');
export type RestreamDestination = z.infer<typeof RestreamDestinationSchema>;

export const RestreamDestinationListSchema = z
  .object({
    items: z.array(RestreamDestinationSchema),
    max: z.number().int().openapi({ description: 'How many destinations a channel may have' }),
  })
  .openapi('RestreamDestinationList');
export type RestreamDestinationList = z.infer<typeof RestreamDestinationListSchema>;

export const RestreamDestinationParamsSchema = ChannelSlugParamsSchema.extend({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});
