/** Likes of a target: `PUT|DELETE|GET /api/v1/live-sessions/{id}/like` (and of videos later, same shape). */
import { createRoute } from '@hono/zod-openapi';
import { LikeStateSchema, TargetParamsSchema } from '@streamhub/contracts/engagement';
import { jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { optionalBearer, optionalCaller } from '../auth/optional-auth.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';
import type { TargetRoutesSpec } from './target-routes.ts';

const tags = ['likes'];

export const likeRoutes = (spec: TargetRoutesSpec) => {
  const errors = {
    401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
    404: problemResponse(`No ${spec.label} has this id (\`not_found\`)`),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  };
  const signedInErrors = {
    ...errors,
    403: problemResponse('The account is suspended (`account_suspended`)'),
  };
  const target = (id: string) => ({ type: spec.type, id });

  const like = signedInRoute({
    method: 'put',
    path: '/{id}/like',
    operationId: `like${spec.operationName}`,
    tags,
    summary: `Like a ${spec.label}; idempotent`,
    request: { params: TargetParamsSchema },
    responses: { 200: jsonResponse(LikeStateSchema, 'Liked, with the like count'), ...signedInErrors },
  });

  const unlike = signedInRoute({
    method: 'delete',
    path: '/{id}/like',
    operationId: `unlike${spec.operationName}`,
    tags,
    summary: `Take back a like of a ${spec.label}; idempotent`,
    request: { params: TargetParamsSchema },
    responses: { 200: jsonResponse(LikeStateSchema, 'Not liked, with the like count'), ...signedInErrors },
  });

  const likeState = createRoute({
    method: 'get',
    path: '/{id}/like',
    operationId: `get${spec.operationName}Likes`,
    tags,
    summary: `The like count of a ${spec.label}, and whether the caller likes it (false when anonymous)`,
    security: optionalBearer,
    request: { params: TargetParamsSchema },
    responses: {
      200: jsonResponse(LikeStateSchema, 'The like state'),
      ...errors,
      401: problemResponse('A token was sent and is invalid, expired or revoked (`invalid_token`)'),
    },
  });

  return createRouter()
    .openapi(like, async (c) =>
      c.json(await c.var.deps.services.likes.like(c.var.auth.userId, target(c.req.valid('param').id)), 200),
    )
    .openapi(unlike, async (c) =>
      c.json(await c.var.deps.services.likes.unlike(c.var.auth.userId, target(c.req.valid('param').id)), 200),
    )
    .openapi(likeState, async (c) => {
      const caller = await optionalCaller(c);
      return c.json(
        await c.var.deps.services.likes.state(target(c.req.valid('param').id), caller?.userId),
        200,
      );
    });
};
