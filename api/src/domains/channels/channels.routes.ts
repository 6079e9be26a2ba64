/** `/api/v1/channels`: channels, the "live now" directory, a channel's broadcasts and the owner's stream keys. */
import { createRoute } from '@hono/zod-openapi';
import {
  BroadcastPageSchema,
  BroadcastsQuerySchema,
  ChannelSchema,
  ChannelSearchQuerySchema,
  ChannelSearchResultSchema,
  ChannelSlugParamsSchema,
  CreateChannelRequestSchema,
  CreatedStreamKeySchema,
  CreateStreamKeyRequestSchema,
  DirectoryPageSchema,
  DirectoryQuerySchema,
  IngestHealthSchema,
  PublicChannelSchema,
  StreamKeyListSchema,
  StreamKeyParamsSchema,
  StreamKeySchema,
  UpdateChannelRequestSchema,
} from '@streamhub/contracts/channels';
import { BEARER_AUTH, jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireRole } from '../auth/auth-guard.ts';
import { optionalBearer, optionalCaller } from '../auth/optional-auth.ts';
import { SIGNED_IN_ERRORS, signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['channels'];
const ownerErrors = {
  403: problemResponse(
    'The caller does not own this channel (`forbidden`) or is suspended (`account_suspended`)',
  ),
  404: problemResponse('No channel has this slug (`not_found`)'),
};

const createChannel = signedInRoute({
  method: 'post',
  path: '/',
  operationId: 'createChannel',
  tags,
  summary:
    "Create the caller's channel (streamers and admins; with CHANNEL_CREATION=verified any verified account; one per account)",
  request: { body: jsonBody(CreateChannelRequestSchema) },
  responses: {
    201: jsonResponse(ChannelSchema, 'The new channel'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    403: problemResponse(
      'The instance policy does not let the caller open a channel (`forbidden`) or the caller is suspended (`account_suspended`)',
    ),
    409: problemResponse('The caller has a channel (`channel_exists`) or the slug is taken (`slug_taken`)'),
    422: problemResponse('A field is invalid (`validation_failed`)'),
  },
});

const updateChannel = signedInRoute({
  method: 'patch',
  path: '/{slug}',
  operationId: 'updateChannel',
  tags,
  summary: 'Change the title, category, tags, language or recording (owner)',
  request: { params: ChannelSlugParamsSchema, body: jsonBody(UpdateChannelRequestSchema) },
  responses: {
    200: jsonResponse(ChannelSchema, 'The updated channel'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...ownerErrors,
    422: problemResponse('A field is invalid or unknown, or the body is empty (`validation_failed`)'),
  },
});

const getMine = signedInRoute({
  method: 'get',
  path: '/channel',
  operationId: 'getMyChannel',
  tags,
  summary: "The caller's channel",
  responses: {
    200: jsonResponse(ChannelSchema, "The caller's channel"),
    403: problemResponse('The account is suspended (`account_suspended`)'),
    404: problemResponse('The caller has no channel yet (`not_found`)'),
  },
});

const directory = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listLiveChannels',
  tags,
  summary: 'Live now: channels broadcasting at the moment, earliest start first',
  request: { query: DirectoryQuerySchema },
  responses: {
    200: jsonResponse(DirectoryPageSchema, 'One page of live channels'),
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

// Under /api/v1/search, not /api/v1/channels/search: a fixed segment beside `/{slug}` would push Hono
// onto its slower router (api/src/app.test.ts counts such clashes).
const searchChannels = createRoute({
  method: 'get',
  path: '/channels',
  operationId: 'searchChannels',
  tags,
  summary: 'Channels whose slug, title, tags or streamer name contain every word of `q`, live ones first',
  request: { query: ChannelSearchQuerySchema },
  responses: {
    200: jsonResponse(ChannelSearchResultSchema, 'The first matching channels'),
    422: problemResponse(
      '`q` is missing, empty or too long, or `limit` is out of range (`validation_failed`)',
    ),
  },
});

const getChannel = createRoute({
  method: 'get',
  path: '/{slug}',
  operationId: 'getChannel',
  tags,
  summary: "A channel's public page data, with its live status and playback URL",
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(PublicChannelSchema, 'The channel'),
    404: problemResponse('No channel has this slug (`not_found`)'),
  },
});

const listBroadcasts = createRoute({
  method: 'get',
  path: '/{slug}/broadcasts',
  operationId: 'listChannelBroadcasts',
  tags,
  summary:
    "A channel's broadcasts, live and past, newest first, with the video a recording became when the caller may find it",
  security: optionalBearer,
  request: { params: ChannelSlugParamsSchema, query: BroadcastsQuerySchema },
  responses: {
    200: jsonResponse(BroadcastPageSchema, 'One page of broadcasts'),
    401: problemResponse('A token was sent and is invalid, expired or revoked (`invalid_token`)'),
    404: problemResponse('No channel has this slug (`not_found`)'),
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const ingestHealth = signedInRoute({
  method: 'get',
  path: '/{slug}/ingest',
  operationId: 'getIngestHealth',
  tags,
  summary:
    "The live stream's ingest as the media node measures it: codecs, resolution, fps, bitrate, keyframe interval (owner)",
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(IngestHealthSchema, 'The ingest; `live: false` and nulls while offline'),
    ...ownerErrors,
  },
});

const cutBroadcast = createRoute({
  method: 'post',
  path: '/{slug}/cut',
  operationId: 'cutBroadcast',
  tags: [...tags, 'admin'],
  summary:
    "End a channel's live broadcast now (admin); the media node disconnects the publisher, who may go live again",
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { params: ChannelSlugParamsSchema },
  responses: {
    202: { description: 'The cut is ordered; the broadcast ends within moments' },
    401: SIGNED_IN_ERRORS[401],
    403: problemResponse('The caller is not an admin (`forbidden`) or is suspended (`account_suspended`)'),
    404: problemResponse('No channel has this slug (`not_found`)'),
    409: problemResponse('The channel is not broadcasting (`conflict`)'),
  },
});

const createKey = signedInRoute({
  method: 'post',
  path: '/{slug}/keys',
  operationId: 'createStreamKey',
  tags,
  summary: 'Create a stream key (owner); the secret is in this response only',
  request: { params: ChannelSlugParamsSchema, body: jsonBody(CreateStreamKeyRequestSchema) },
  responses: {
    201: jsonResponse(CreatedStreamKeySchema, 'The key with its secret, shown once'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...ownerErrors,
    403: problemResponse(
      'The caller does not own this channel, the instance policy no longer lets them stream (`forbidden`), or they are suspended (`account_suspended`)',
    ),
    422: problemResponse('The name is missing or too long (`validation_failed`)'),
  },
});

const listKeys = signedInRoute({
  method: 'get',
  path: '/{slug}/keys',
  operationId: 'listStreamKeys',
  tags,
  summary: "The channel's stream keys, masked (owner)",
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(StreamKeyListSchema, 'Every key, oldest first, revoked ones too'),
    ...ownerErrors,
  },
});

const rotateKey = signedInRoute({
  method: 'post',
  path: '/{slug}/keys/{id}/rotate',
  operationId: 'rotateStreamKey',
  tags,
  summary: 'Replace a stream key with a new secret (owner); the old one stops working at once',
  request: { params: StreamKeyParamsSchema },
  responses: {
    201: jsonResponse(CreatedStreamKeySchema, 'The replacement key with its secret, shown once'),
    ...ownerErrors,
    403: problemResponse(
      'The caller does not own this channel, the instance policy no longer lets them stream (`forbidden`; the key is unchanged), or they are suspended (`account_suspended`)',
    ),
    404: problemResponse('No such channel or key (`not_found`)'),
    409: problemResponse('The key is revoked (`conflict`)'),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

const revokeKey = signedInRoute({
  method: 'delete',
  path: '/{slug}/keys/{id}',
  operationId: 'revokeStreamKey',
  tags,
  summary: 'Revoke a stream key (owner); idempotent',
  request: { params: StreamKeyParamsSchema },
  responses: {
    200: jsonResponse(StreamKeySchema, 'The revoked key'),
    ...ownerErrors,
    404: problemResponse('No such channel or key (`not_found`)'),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

/** Mounted under `/api/v1/me` (`channels/mine` beside `channels/{slug}` kept Hono off RegExpRouter). */
export const myChannelRoutes = () =>
  createRouter().openapi(getMine, async (c) =>
    c.json(await c.var.deps.services.channels.mine(c.var.auth.userId), 200),
  );

export const channelRoutes = () =>
  createRouter()
    .openapi(directory, async (c) =>
      c.json(await c.var.deps.services.channels.directory(c.req.valid('query')), 200),
    )
    .openapi(cutBroadcast, async (c) => {
      await c.var.deps.services.channels.cutBroadcast(c.var.auth.userId, c.req.valid('param').slug);
      return c.body(null, 202);
    })
    .openapi(ingestHealth, async (c) => {
      c.header('Cache-Control', 'no-store');
      const { slug } = c.req.valid('param');
      return c.json(await c.var.deps.services.channels.ingestHealth(c.var.auth.userId, slug), 200);
    })
    .openapi(createChannel, async (c) =>
      c.json(await c.var.deps.services.channels.open(c.var.auth, c.req.valid('json')), 201),
    )
    .openapi(getChannel, async (c) =>
      c.json(await c.var.deps.services.channels.publicChannel(c.req.valid('param').slug), 200),
    )
    .openapi(listBroadcasts, async (c) =>
      c.json(
        await c.var.deps.services.broadcasts.list(
          c.req.valid('param').slug,
          await optionalCaller(c),
          c.req.valid('query'),
        ),
        200,
      ),
    )
    .openapi(updateChannel, async (c) =>
      c.json(
        await c.var.deps.services.channels.update(
          c.var.auth.userId,
          c.req.valid('param').slug,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(createKey, async (c) =>
      c.json(
        await c.var.deps.services.channels.issueKey(
          c.var.auth,
          c.req.valid('param').slug,
          c.req.valid('json').name,
        ),
        201,
      ),
    )
    .openapi(listKeys, async (c) =>
      c.json(await c.var.deps.services.channels.listKeys(c.var.auth.userId, c.req.valid('param').slug), 200),
    )
    .openapi(rotateKey, async (c) => {
      const { slug, id } = c.req.valid('param');
      return c.json(await c.var.deps.services.channels.rotateKey(c.var.auth, slug, id), 201);
    })
    .openapi(revokeKey, async (c) => {
      const { slug, id } = c.req.valid('param');
      return c.json(await c.var.deps.services.channels.revokeKey(c.var.auth.userId, slug, id), 200);
    });

/** `/api/v1/search/channels`: channels by words of their slug, title, tags or streamer. */
export const channelSearchRoutes = () =>
  createRouter().openapi(searchChannels, async (c) =>
    c.json(await c.var.deps.services.channels.search(c.req.valid('query')), 200),
  );
