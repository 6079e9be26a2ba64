/** Instant clips: `/api/v1/channels/{slug}/clips` and the channel's clip settings. */
import { createRoute } from '@hono/zod-openapi';
import { ChannelSlugParamsSchema } from '@streamhub/contracts/channels';
import {
  ChannelClipPageSchema,
  ChannelClipsQuerySchema,
  ClipSchema,
  ClipSettingsSchema,
  CreateClipSchema,
} from '@streamhub/contracts/clips';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { optionalBearer, optionalCaller } from '../auth/optional-auth.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['clips'];
const channelNotFound = problemResponse('No channel has this slug (`not_found`)');

const create = signedInRoute({
  method: 'post',
  path: '/{slug}/clips',
  operationId: 'createClip',
  tags,
  summary:
    'Clip 5–60 s of the live broadcast (its last seconds) or of a finished video of the channel (from a point); the clip becomes a public video of the channel, credited to the caller',
  request: { params: ChannelSlugParamsSchema, body: jsonBody(CreateClipSchema) },
  responses: {
    201: jsonResponse(ClipSchema, 'The clip; its video is processing'),
    403: problemResponse(
      'The channel lets only its owner clip, or only the owner clips a video that is not public (`forbidden`), or the caller is suspended (`account_suspended`)',
    ),
    404: problemResponse(
      'No channel has this slug, or no video of the channel the caller may see has this id (`not_found`)',
    ),
    409: problemResponse(
      'The channel is not live (`channel_offline`), or its live window or the video has nothing to cut yet (`clip_unavailable`)',
    ),
    422: problemResponse('The body is invalid (`validation_failed`)'),
    429: problemResponse('The caller made too many clips this hour (`clip_limit_reached`)'),
  },
});

const list = createRoute({
  method: 'get',
  path: '/{slug}/clips',
  operationId: 'listChannelClips',
  tags,
  summary:
    "The channel's clips, newest first, with their video's title and state and their maker: the ready, public ones; its owner sees all of them (delete one with `deleteVideo`)",
  security: optionalBearer,
  request: { params: ChannelSlugParamsSchema, query: ChannelClipsQuerySchema },
  responses: {
    200: jsonResponse(ChannelClipPageSchema, 'One page of clips'),
    401: problemResponse('A token was sent and is invalid, expired or revoked (`invalid_token`)'),
    404: channelNotFound,
    422: problemResponse('The query is invalid, or the cursor is not from this list (`validation_failed`)'),
  },
});

const settings = signedInRoute({
  method: 'get',
  path: '/{slug}/clips/settings',
  operationId: 'getClipSettings',
  tags,
  summary: 'Whether signed-in viewers may clip this channel (owner)',
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(ClipSettingsSchema, 'The clip settings'),
    403: problemResponse('The caller does not own this channel (`forbidden`)'),
    404: channelNotFound,
  },
});

const updateSettings = signedInRoute({
  method: 'put',
  path: '/{slug}/clips/settings',
  operationId: 'updateClipSettings',
  tags,
  summary: 'Let signed-in viewers clip this channel, or only its owner (owner)',
  request: { params: ChannelSlugParamsSchema, body: jsonBody(ClipSettingsSchema) },
  responses: {
    200: jsonResponse(ClipSettingsSchema, 'The clip settings'),
    403: problemResponse('The caller does not own this channel (`forbidden`)'),
    404: channelNotFound,
    422: problemResponse('The body is invalid (`validation_failed`)'),
  },
});

/** Mounted under `/api/v1/channels`. */
export const clipRoutes = () =>
  createRouter()
    .openapi(create, async (c) =>
      c.json(
        await c.var.deps.services.clips.create(c.var.auth, c.req.valid('param').slug, c.req.valid('json')),
        201,
      ),
    )
    .openapi(list, async (c) =>
      c.json(
        await c.var.deps.services.clips.list(
          await optionalCaller(c),
          c.req.valid('param').slug,
          c.req.valid('query'),
        ),
        200,
      ),
    )
    .openapi(settings, async (c) =>
      c.json(await c.var.deps.services.clips.settings(c.var.auth.userId, c.req.valid('param').slug), 200),
    )
    .openapi(updateSettings, async (c) =>
      c.json(
        await c.var.deps.services.clips.updateSettings(
          c.var.auth.userId,
          c.req.valid('param').slug,
          c.req.valid('json'),
        ),
        200,
      ),
    );
