/** Follows: `/api/v1/channels/{slug}/follow`, `/api/v1/channels/{slug}/followers` and `/api/v1/me/following`. */
import { ChannelSlugParamsSchema } from '@streamhub/contracts/channels';
import {
  FollowedChannelPageSchema,
  FollowerPageSchema,
  FollowersQuerySchema,
  FollowingQuerySchema,
  FollowStateSchema,
} from '@streamhub/contracts/engagement';
import { jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['follows'];
const channelNotFound = problemResponse('No channel has this slug (`not_found`)');

const follow = signedInRoute({
  method: 'put',
  path: '/{slug}/follow',
  operationId: 'followChannel',
  tags,
  summary: 'Follow a channel; idempotent (`user.followed` is published for a new follow only)',
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(FollowStateSchema, 'Following, with the follower count'),
    404: channelNotFound,
    422: problemResponse("The channel is the caller's own (`self_follow`)"),
  },
});

const unfollow = signedInRoute({
  method: 'delete',
  path: '/{slug}/follow',
  operationId: 'unfollowChannel',
  tags,
  summary: 'Stop following a channel; idempotent',
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(FollowStateSchema, 'Not following, with the follower count'),
    404: channelNotFound,
  },
});

const followState = signedInRoute({
  method: 'get',
  path: '/{slug}/follow',
  operationId: 'getFollowState',
  tags,
  summary: 'Whether the caller follows the channel, and its follower count',
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(FollowStateSchema, 'The follow state'),
    404: channelNotFound,
  },
});

const followers = signedInRoute({
  method: 'get',
  path: '/{slug}/followers',
  operationId: 'listChannelFollowers',
  tags,
  summary: "The channel's followers, newest first (owner only)",
  request: { params: ChannelSlugParamsSchema, query: FollowersQuerySchema },
  responses: {
    200: jsonResponse(FollowerPageSchema, 'One page of followers'),
    403: problemResponse(
      'The caller does not own this channel (`forbidden`) or is suspended (`account_suspended`)',
    ),
    404: channelNotFound,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const following = signedInRoute({
  method: 'get',
  path: '/following',
  operationId: 'listFollowedChannels',
  tags,
  summary: 'The channels the caller follows: live ones first, then the most recent follow first',
  request: { query: FollowingQuerySchema },
  responses: {
    200: jsonResponse(FollowedChannelPageSchema, 'One page of followed channels'),
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

/** Mounted under `/api/v1/channels`. */
export const followRoutes = () =>
  createRouter()
    .openapi(follow, async (c) =>
      c.json(await c.var.deps.services.follows.follow(c.var.auth.userId, c.req.valid('param').slug), 200),
    )
    .openapi(unfollow, async (c) =>
      c.json(await c.var.deps.services.follows.unfollow(c.var.auth.userId, c.req.valid('param').slug), 200),
    )
    .openapi(followState, async (c) =>
      c.json(await c.var.deps.services.follows.state(c.var.auth.userId, c.req.valid('param').slug), 200),
    )
    .openapi(followers, async (c) =>
      c.json(
        await c.var.deps.services.follows.followers(
          c.var.auth.userId,
          c.req.valid('param').slug,
          c.req.valid('query'),
        ),
        200,
      ),
    );

/** Mounted under `/api/v1/me`. */
export const followingRoutes = () =>
  createRouter().openapi(following, async (c) =>
    c.json(await c.var.deps.services.follows.following(c.var.auth.userId, c.req.valid('query')), 200),
  );
