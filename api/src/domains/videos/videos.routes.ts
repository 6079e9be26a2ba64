/** `/api/v1/videos` (one video, edits, the public library), a channel's videos and the caller's own. */
import { createRoute } from '@hono/zod-openapi';
import { ChannelSlugParamsSchema } from '@streamhub/contracts/channels';
import {
  LibraryQuerySchema,
  PageQuerySchema,
  UpdateVideoRequestSchema,
  VideoIdParamsSchema,
  VideoPageSchema,
  VideoSchema,
} from '@streamhub/contracts/videos';
import { jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { optionalBearer, optionalCaller } from '../auth/optional-auth.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['videos'];
const notFound = problemResponse('No such video, or a private one of someone else (`not_found`)');
// Routes open to anyone: a token is optional, but one that is sent must be valid.
const badOptionalToken = problemResponse(
  'A token was sent and is invalid, expired or revoked (`invalid_token`)',
);
const badQuery = problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)');

const library = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listVideos',
  tags,
  summary: 'The public library: public, ready videos; sort, filter by category or tag, full-text search',
  request: { query: LibraryQuerySchema },
  responses: { 200: jsonResponse(VideoPageSchema, 'One page of videos'), 422: badQuery },
});

const getVideo = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getVideo',
  tags,
  summary: 'A video (public and unlisted to anyone, private to its owner, with a signed playback URL)',
  security: optionalBearer,
  request: { params: VideoIdParamsSchema },
  responses: {
    200: jsonResponse(VideoSchema, 'The video'),
    401: badOptionalToken,
    404: notFound,
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

const updateVideo = signedInRoute({
  method: 'patch',
  path: '/{id}',
  operationId: 'updateVideo',
  tags,
  summary: 'Change the title, description, tags, category or visibility (owner)',
  request: {
    params: VideoIdParamsSchema,
    body: { required: true, content: { 'application/json': { schema: UpdateVideoRequestSchema } } },
  },
  responses: {
    200: jsonResponse(VideoSchema, 'The updated video'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    403: problemResponse('The caller does not own the video (`forbidden`)'),
    404: notFound,
    422: problemResponse('A field is invalid or unknown, or the body is empty (`validation_failed`)'),
  },
});

const deleteVideo = signedInRoute({
  method: 'delete',
  path: '/{id}',
  operationId: 'deleteVideo',
  tags,
  summary: 'Delete a video with every file: source, HLS, poster, storyboard (owner or admin)',
  request: { params: VideoIdParamsSchema },
  responses: {
    204: { description: 'Deleted' },
    403: problemResponse('The caller is neither the owner nor an admin (`forbidden`)'),
    404: notFound,
  },
});

const channelVideos = createRoute({
  method: 'get',
  path: '/{slug}/videos',
  operationId: 'listChannelVideos',
  tags,
  summary: "A channel's public, ready videos, newest first; its owner sees all of theirs",
  security: optionalBearer,
  request: { params: ChannelSlugParamsSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(VideoPageSchema, 'One page of videos'),
    401: badOptionalToken,
    404: problemResponse('No channel has this slug (`not_found`)'),
    422: badQuery,
  },
});

const myVideos = signedInRoute({
  method: 'get',
  path: '/videos',
  operationId: 'listMyVideos',
  tags,
  summary: "The caller's videos in any status, with processing progress and failure reasons",
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse(VideoPageSchema, 'One page of videos'), 422: badQuery },
});

export const videoRoutes = () =>
  createRouter()
    .openapi(library, async (c) =>
      c.json(await c.var.deps.services.videos.library(c.req.valid('query')), 200),
    )
    .openapi(getVideo, async (c) =>
      c.json(await c.var.deps.services.videos.get(c.req.valid('param').id, await optionalCaller(c)), 200),
    )
    .openapi(updateVideo, async (c) =>
      c.json(
        await c.var.deps.services.videos.update(c.var.auth, c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
    )
    .openapi(deleteVideo, async (c) => {
      await c.var.deps.services.videos.delete(c.var.auth, c.req.valid('param').id);
      return c.body(null, 204);
    });

/** Mounted under `/api/v1/channels`. */
export const channelVideoRoutes = () =>
  createRouter().openapi(channelVideos, async (c) =>
    c.json(
      await c.var.deps.services.videos.channelVideos(
        c.req.valid('param').slug,
        await optionalCaller(c),
        c.req.valid('query'),
      ),
      200,
    ),
  );

/** Mounted under `/api/v1/me`. */
export const myVideoRoutes = () =>
  createRouter().openapi(myVideos, async (c) =>
    c.json(await c.var.deps.services.videos.mine(c.var.auth, c.req.valid('query')), 200),
  );
