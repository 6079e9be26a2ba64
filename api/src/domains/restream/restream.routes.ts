/** Restream destinations: `/api/v1/channels/{slug}/restream/destinations[/{id}]` (owner only). */
import { ChannelSlugParamsSchema } from '@streamhub/contracts/channels';
import {
  CreateRestreamDestinationSchema,
  RestreamDestinationListSchema,
  RestreamDestinationParamsSchema,
  RestreamDestinationSchema,
  UpdateRestreamDestinationSchema,
} from '@streamhub/contracts/restream';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['restream'];
const ownerErrors = {
  403: problemResponse(
    'The caller does not own this channel (`forbidden`) or is suspended (`account_suspended`)',
  ),
  404: problemResponse('No channel has this slug, or no such destination (`not_found`)'),
};
const invalid = problemResponse('The body is invalid (`validation_failed`)');
const notConfigured = problemResponse(
  'RESTREAM_SECRET is not set on this instance (`restream_not_configured`)',
);

const list = signedInRoute({
  method: 'get',
  path: '/{slug}/restream/destinations',
  operationId: 'listRestreamDestinations',
  tags,
  summary: "The channel's restream destinations with each forward's state (owner); keys are never returned",
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(RestreamDestinationListSchema, 'The destinations, oldest first, and the limit'),
    ...ownerErrors,
  },
});

const create = signedInRoute({
  method: 'post',
  path: '/{slug}/restream/destinations',
  operationId: 'createRestreamDestination',
  tags,
  summary: 'Add an RTMP(S) destination (server URL and stream key); used from the next publish on',
  request: { params: ChannelSlugParamsSchema, body: jsonBody(CreateRestreamDestinationSchema) },
  responses: {
    201: jsonResponse(RestreamDestinationSchema, 'The destination (its key sealed at rest)'),
    ...ownerErrors,
    409: problemResponse('The channel has the most destinations allowed (`restream_limit_reached`)'),
    422: invalid,
    503: notConfigured,
  },
});

const update = signedInRoute({
  method: 'patch',
  path: '/{slug}/restream/destinations/{id}',
  operationId: 'updateRestreamDestination',
  tags,
  summary: 'Rename, move, re-key, enable or disable a destination (owner)',
  request: { params: RestreamDestinationParamsSchema, body: jsonBody(UpdateRestreamDestinationSchema) },
  responses: {
    200: jsonResponse(RestreamDestinationSchema, 'The destination'),
    ...ownerErrors,
    422: invalid,
    503: notConfigured,
  },
});

const remove = signedInRoute({
  method: 'delete',
  path: '/{slug}/restream/destinations/{id}',
  operationId: 'deleteRestreamDestination',
  tags,
  summary: 'Remove a destination (owner)',
  request: { params: RestreamDestinationParamsSchema },
  responses: { 204: { description: 'Removed' }, ...ownerErrors },
});

/** Mounted under `/api/v1/channels`. */
export const restreamRoutes = () =>
  createRouter()
    .openapi(list, async (c) =>
      c.json(await c.var.deps.services.restream.list(c.var.auth.userId, c.req.valid('param').slug), 200),
    )
    .openapi(create, async (c) =>
      c.json(
        await c.var.deps.services.restream.create(
          c.var.auth.userId,
          c.req.valid('param').slug,
          c.req.valid('json'),
        ),
        201,
      ),
    )
    .openapi(update, async (c) => {
      const { slug, id } = c.req.valid('param');
      return c.json(
        await c.var.deps.services.restream.update(c.var.auth.userId, slug, id, c.req.valid('json')),
        200,
      );
    })
    .openapi(remove, async (c) => {
      const { slug, id } = c.req.valid('param');
      await c.var.deps.services.restream.remove(c.var.auth.userId, slug, id);
      return c.body(null, 204);
    });
