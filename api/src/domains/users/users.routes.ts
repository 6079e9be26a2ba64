/**
 * `/api/v1/users`: public profiles and user administration; `/api/v1/me`: the caller's own account and
 * avatar (a path of its own: `users/me` beside `users/{username}` kept Hono off its RegExpRouter).
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  AdminUserSchema,
  CreateUserRequestSchema,
  DeleteAccountRequestSchema,
  ListUsersQuerySchema,
  MyAccountSchema,
  PublicProfileSchema,
  SetRoleRequestSchema,
  UpdateProfileRequestSchema,
  UserIdParamsSchema,
  UserListSchema,
  UsernameParamsSchema,
} from '@streamhub/contracts/users';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../context.ts';
import { BEARER_AUTH, jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { readUploadedFile } from '../../http/upload.ts';
import { requestedRange, sendMedia } from '../../media/media-response.ts';
import { bodyLimit } from '../../middleware/body-limit.ts';
import { requireAuth, requireRole } from '../auth/auth-guard.ts';
import { SIGNED_IN_ERRORS, signedInRoute } from '../auth/signed-in-route.ts';

/** Where the avatar upload is mounted; the gateway's global body limit leaves it to the route's own. */
export const AVATAR_UPLOAD_PATH = '/api/v1/me/avatar';

// Room for the multipart boundaries and part headers around the file itself.
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

/** Refuses bodies larger than an avatar can be, before they are buffered. */
const avatarBodyLimit = createMiddleware<AppEnv>((c, next) =>
  bodyLimit(c.var.config.avatarMaxBytes + MULTIPART_OVERHEAD_BYTES)(c, next),
);

const adminErrors = {
  401: SIGNED_IN_ERRORS[401],
  403: problemResponse('The caller is not an admin (`forbidden`) or is suspended (`account_suspended`)'),
};

const getProfile = createRoute({
  method: 'get',
  path: '/{username}',
  operationId: 'getUserProfile',
  tags: ['users'],
  summary: "A user's public profile",
  request: { params: UsernameParamsSchema },
  responses: {
    200: jsonResponse(PublicProfileSchema, 'The public profile'),
    404: problemResponse('No user has this username (`not_found`)'),
  },
});

const getMe = signedInRoute({
  method: 'get',
  path: '/',
  operationId: 'getMyAccount',
  tags: ['users'],
  summary: "The caller's account, with private fields",
  responses: { 200: jsonResponse(MyAccountSchema, "The caller's account") },
});

const updateMe = signedInRoute({
  method: 'patch',
  path: '/',
  operationId: 'updateMyProfile',
  tags: ['users'],
  summary: 'Change the display name, bio or links',
  request: { body: jsonBody(UpdateProfileRequestSchema) },
  responses: {
    200: jsonResponse(MyAccountSchema, 'The updated account'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    422: problemResponse('A field is invalid or unknown, or the body is empty (`validation_failed`)'),
  },
});

const deleteMe = signedInRoute({
  method: 'delete',
  path: '/',
  operationId: 'deleteMyAccount',
  tags: ['users'],
  summary: 'Delete the account and what it owns',
  description:
    'Confirm with `{ "password": … }`, or with `{ "confirm": "<username>" }` when the account has no ' +
    'password (`hasPassword: false`, OAuth only). Sessions, avatar, channel, broadcasts, videos, follows, ' +
    "likes and comments go; others' likes and comments on its broadcasts and videos, and its video " +
    'files, are removed just after the response.',
  request: { body: jsonBody(DeleteAccountRequestSchema) },
  responses: {
    204: { description: 'The account is deleted' },
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    403: problemResponse(
      'The password or confirmation is wrong (`forbidden`), or the account is suspended (`account_suspended`)',
    ),
    422: problemResponse('The confirmation this account needs is missing (`validation_failed`)'),
  },
});

const putAvatar = createRoute({
  method: 'put',
  path: '/avatar',
  operationId: 'setMyAvatar',
  tags: ['users'],
  summary: 'Upload an avatar (JPEG, PNG, WebP, GIF or AVIF)',
  description:
    'The image is cropped to a square and stored as 256×256 and 64×64 WebP without its metadata. ' +
    'Its type is decided by its content, not its name or declared type. At most AVATAR_MAX_BYTES (5 MB).',
  security: BEARER_AUTH,
  middleware: [requireAuth, avatarBodyLimit] as const,
  request: {
    body: {
      required: true,
      content: {
        // A plain OpenAPI schema, not zod: the route reads the file itself, to answer in its own words.
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { file: { type: 'string', format: 'binary' } },
            required: ['file'],
          },
        },
      },
    },
  },
  responses: {
    200: jsonResponse(MyAccountSchema, 'The account with its new avatar URLs'),
    400: problemResponse('The body is not valid multipart/form-data (`bad_request`)'),
    ...SIGNED_IN_ERRORS,
    413: problemResponse('The file is larger than AVATAR_MAX_BYTES (`payload_too_large`)'),
    415: problemResponse(
      'The body is not multipart/form-data (`unsupported_media_type`), or the file is not a supported ' +
        'image (`unsupported_image`)',
    ),
    422: problemResponse('There is no `file` field (`validation_failed`)'),
  },
});

const deleteAvatar = signedInRoute({
  method: 'delete',
  path: '/avatar',
  operationId: 'deleteMyAvatar',
  tags: ['users'],
  summary: 'Remove the avatar',
  responses: { 200: jsonResponse(MyAccountSchema, 'The account without an avatar') },
});

const listUsers = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listUsers',
  tags: ['users', 'admin'],
  summary: 'List or search users (admin)',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { query: ListUsersQuerySchema },
  responses: {
    200: jsonResponse(UserListSchema, 'One page, oldest account first'),
    ...adminErrors,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const createUser = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createUser',
  tags: ['users', 'admin'],
  summary: 'Create an account (admin); it is verified at once and no email is sent',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { body: jsonBody(CreateUserRequestSchema) },
  responses: {
    201: jsonResponse(AdminUserSchema, 'The new account'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    ...adminErrors,
    409: problemResponse('The email or username is already registered (`conflict`)'),
    422: problemResponse('A field is invalid or unknown (`validation_failed`)'),
  },
});

const setRole = createRoute({
  method: 'put',
  path: '/{id}/role',
  operationId: 'setUserRole',
  tags: ['users', 'admin'],
  summary: "Change a user's role (admin); applies to their next request",
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { params: UserIdParamsSchema, body: jsonBody(SetRoleRequestSchema) },
  responses: {
    200: jsonResponse(AdminUserSchema, 'The user with the new role'),
    ...adminErrors,
    404: problemResponse('No user has this id (`not_found`)'),
    409: problemResponse('An admin cannot remove their own admin role (`conflict`)'),
    422: problemResponse('The id or role is invalid (`validation_failed`)'),
  },
});

const suspend = createRoute({
  method: 'post',
  path: '/{id}/suspend',
  operationId: 'suspendUser',
  tags: ['users', 'admin'],
  summary: 'Suspend a user (admin): their tokens stop working at once and every session ends',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { params: UserIdParamsSchema },
  responses: {
    200: jsonResponse(AdminUserSchema, 'The suspended user'),
    ...adminErrors,
    404: problemResponse('No user has this id (`not_found`)'),
    409: problemResponse('An admin cannot suspend themselves (`conflict`)'),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

const unsuspend = createRoute({
  method: 'post',
  path: '/{id}/unsuspend',
  operationId: 'unsuspendUser',
  tags: ['users', 'admin'],
  summary: 'Lift a suspension (admin); the user logs in again',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { params: UserIdParamsSchema },
  responses: {
    200: jsonResponse(AdminUserSchema, 'The active user'),
    ...adminErrors,
    404: problemResponse('No user has this id (`not_found`)'),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

/** Mounted at `/api/v1/me`. */
export const meRoutes = () =>
  createRouter()
    .openapi(getMe, async (c) => c.json(await c.var.deps.services.users.account(c.var.auth.userId), 200))
    .openapi(updateMe, async (c) =>
      c.json(await c.var.deps.services.users.updateProfile(c.var.auth.userId, c.req.valid('json')), 200),
    )
    .openapi(deleteMe, async (c) => {
      await c.var.deps.services.users.deleteAccount(c.var.auth.userId, c.req.valid('json'));
      return c.body(null, 204);
    })
    .openapi(putAvatar, async (c) => {
      const image = await readUploadedFile(c, 'file');
      return c.json(await c.var.deps.services.users.setAvatar(c.var.auth.userId, image), 200);
    })
    .openapi(deleteAvatar, async (c) =>
      c.json(await c.var.deps.services.users.removeAvatar(c.var.auth.userId), 200),
    );

export const userRoutes = () =>
  createRouter()
    .openapi(listUsers, async (c) => c.json(await c.var.deps.services.users.list(c.req.valid('query')), 200))
    .openapi(createUser, async (c) =>
      c.json(await c.var.deps.services.users.create(c.req.valid('json')), 201),
    )
    .openapi(getProfile, async (c) =>
      c.json(await c.var.deps.services.users.publicProfile(c.req.valid('param').username), 200),
    )
    .openapi(setRole, async (c) =>
      c.json(
        await c.var.deps.services.users.setRole(
          c.var.auth.userId,
          c.req.valid('param').id,
          c.req.valid('json').role,
        ),
        200,
      ),
    )
    .openapi(suspend, async (c) =>
      c.json(await c.var.deps.services.users.suspend(c.var.auth.userId, c.req.valid('param').id), 200),
    )
    .openapi(unsuspend, async (c) =>
      c.json(await c.var.deps.services.users.unsuspend(c.req.valid('param').id), 200),
    );

const avatarFile = createRoute({
  method: 'get',
  path: '/media/avatars/{file}',
  operationId: 'getAvatarFile',
  tags: ['users'],
  summary: 'An avatar image, as linked from a profile',
  request: {
    params: z.object({
      // Any string: a name that is not an avatar's is simply not found.
      file: z.string().openapi({ param: { name: 'file', in: 'path' }, example: 'GQ2u1…-256.webp' }),
    }),
  },
  responses: {
    200: {
      description: 'The WebP image; cached for a year (a new avatar gets a new URL)',
      content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } },
    },
    206: {
      description: 'The requested byte range of the image (`Range: bytes=…`)',
      content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } },
    },
    304: { description: 'Not modified (`If-None-Match` matched the ETag)' },
    404: problemResponse('No such avatar (`not_found`)'),
  },
});

/** `GET /media/avatars/{file}`: avatar files, embeddable from any origin. */
export const avatarFileRoutes = () =>
  createRouter().openapi(avatarFile, async (c) => {
    const range = requestedRange(c.req.header('Range'));
    const answer = await c.var.deps.services.users.avatarFile(c.req.valid('param').file, range);
    // The gateway's default is same-origin; avatars are meant to be shown on other sites too.
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    // The name changes with every upload, so a file never changes.
    return sendMedia(c, answer, {
      contentType: 'image/webp',
      cacheControl: 'public, max-age=31536000, immutable',
    });
  });
