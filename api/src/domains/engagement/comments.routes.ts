/**
 * Comments: `GET|POST /api/v1/live-sessions/{id}/comments` (built per target kind, so videos reuse them)
 * and `/api/v1/comments/{id}` for replies, edits and deletion, whatever the target.
 */
import { createRoute } from '@hono/zod-openapi';
import {
  CommentPageSchema,
  CommentParamsSchema,
  CommentSchema,
  CommentsQuerySchema,
  CreateCommentRequestSchema,
  TargetParamsSchema,
  UpdateCommentRequestSchema,
} from '@streamhub/contracts/engagement';
import type { AppContext } from '../../context.ts';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { signedInRoute } from '../auth/signed-in-route.ts';
import type { CommentActor } from './comments.service.ts';
import type { TargetRoutesSpec } from './target-routes.ts';

const tags = ['comments'];
const suspended = problemResponse('The account is suspended (`account_suspended`)');
const commentNotFound = problemResponse('No comment has this id (`not_found`)');
const badCursor = problemResponse(
  'The id is not a uuid or a query parameter is invalid, e.g. a foreign cursor (`validation_failed`)',
);

const actor = (c: AppContext): CommentActor => ({ userId: c.var.auth.userId, role: c.var.auth.role });

/** Mounted under the target kind's prefix, e.g. `/api/v1/live-sessions`. */
export const targetCommentRoutes = (spec: TargetRoutesSpec) => {
  const targetNotFound = problemResponse(`No ${spec.label} has this id (\`not_found\`)`);
  const target = (id: string) => ({ type: spec.type, id });

  const list = createRoute({
    method: 'get',
    path: '/{id}/comments',
    operationId: `list${spec.operationName}Comments`,
    tags,
    summary: `Top-level comments on a ${spec.label}, newest first, each with its reply count`,
    request: { params: TargetParamsSchema, query: CommentsQuerySchema },
    responses: {
      200: jsonResponse(CommentPageSchema, 'One page of comments'),
      404: targetNotFound,
      422: badCursor,
    },
  });

  const create = signedInRoute({
    method: 'post',
    path: '/{id}/comments',
    operationId: `comment${spec.operationName}`,
    tags,
    summary: `Comment on a ${spec.label}, or reply to a top-level comment with \`parentId\``,
    request: { params: TargetParamsSchema, body: jsonBody(CreateCommentRequestSchema) },
    responses: {
      201: jsonResponse(CommentSchema, 'The new comment'),
      400: problemResponse('The body is not JSON (`malformed_json`)'),
      403: suspended,
      404: targetNotFound,
      422: problemResponse(
        'The id or a field is invalid, the parent is not a comment on this target (`validation_failed`), or the parent is itself a reply (`reply_to_reply`)',
      ),
      429: problemResponse('Too many comments in a short time; see `Retry-After` (`rate_limited`)'),
    },
  });

  return createRouter()
    .openapi(list, async (c) =>
      c.json(
        await c.var.deps.services.comments.list(target(c.req.valid('param').id), c.req.valid('query')),
        200,
      ),
    )
    .openapi(create, async (c) =>
      c.json(
        await c.var.deps.services.comments.create(
          actor(c),
          target(c.req.valid('param').id),
          c.req.valid('json'),
        ),
        201,
      ),
    );
};

const replies = createRoute({
  method: 'get',
  path: '/{id}/replies',
  operationId: 'listCommentReplies',
  tags,
  summary: 'Replies to a comment, oldest first',
  request: { params: CommentParamsSchema, query: CommentsQuerySchema },
  responses: {
    200: jsonResponse(CommentPageSchema, 'One page of replies'),
    404: commentNotFound,
    422: badCursor,
  },
});

const update = signedInRoute({
  method: 'patch',
  path: '/{id}',
  operationId: 'updateComment',
  tags,
  summary: 'Change the text of a comment (its author); it is marked edited',
  request: { params: CommentParamsSchema, body: jsonBody(UpdateCommentRequestSchema) },
  responses: {
    200: jsonResponse(CommentSchema, 'The edited comment'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    403: problemResponse('The caller is not the author (`forbidden`) or is suspended (`account_suspended`)'),
    404: commentNotFound,
    422: problemResponse('The id or the body is invalid (`validation_failed`)'),
  },
});

const remove = signedInRoute({
  method: 'delete',
  path: '/{id}',
  operationId: 'deleteComment',
  tags,
  summary: "Delete a comment and its replies (author, the channel's owner and moderators, admins)",
  request: { params: CommentParamsSchema },
  responses: {
    204: { description: 'The comment and its replies are deleted' },
    403: problemResponse(
      'The caller may not delete this comment (`forbidden`) or is suspended (`account_suspended`)',
    ),
    404: commentNotFound,
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

/** Mounted under `/api/v1/comments`. */
export const commentRoutes = () =>
  createRouter()
    .openapi(replies, async (c) =>
      c.json(await c.var.deps.services.comments.replies(c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .openapi(update, async (c) =>
      c.json(
        await c.var.deps.services.comments.update(
          actor(c),
          c.req.valid('param').id,
          c.req.valid('json').body,
        ),
        200,
      ),
    )
    .openapi(remove, async (c) => {
      await c.var.deps.services.comments.delete(actor(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
