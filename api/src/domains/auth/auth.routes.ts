/** `/api/v1/auth`: accounts, password login and the session life cycle. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  AccountSchema,
  ChangePasswordRequestSchema,
  LoginRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  SessionIdParamsSchema,
  SessionInfoSchema,
  TokenPairSchema,
  UserSessionListSchema,
} from '@streamhub/contracts/auth';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { clientIp } from '../../http/client-ip.ts';
import { jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { setEarlyHeader } from '../../middleware/response-headers.ts';
import { signedInRoute } from './signed-in-route.ts';

const register = createRoute({
  method: 'post',
  path: '/register',
  operationId: 'register',
  tags: ['auth'],
  summary: 'Create an account',
  request: { body: jsonBody(RegisterRequestSchema) },
  responses: {
    201: jsonResponse(AccountSchema, 'The account was created'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    409: problemResponse('The email or username is taken (`conflict`)'),
    413: problemResponse('The body is too large (`payload_too_large`)'),
    422: problemResponse('A field is invalid (`validation_failed`)'),
    429: problemResponse('Too many requests (`rate_limited`)'),
  },
});

const login = createRoute({
  method: 'post',
  path: '/login',
  operationId: 'login',
  tags: ['auth'],
  summary: 'Log in with email and password; starts a session',
  request: { body: jsonBody(LoginRequestSchema) },
  responses: {
    200: jsonResponse(TokenPairSchema, 'Tokens of the new session'),
    401: problemResponse('Unknown email or wrong password (`invalid_credentials`)'),
    403: problemResponse('The account is suspended (`account_suspended`)'),
    422: problemResponse('A field is invalid (`validation_failed`)'),
    429: problemResponse('Too many attempts (`rate_limited`)'),
  },
});

const refresh = createRoute({
  method: 'post',
  path: '/refresh',
  operationId: 'refreshTokens',
  tags: ['auth'],
  summary: 'Trade a refresh token for a new token pair (the old refresh token becomes invalid)',
  request: { body: jsonBody(RefreshRequestSchema) },
  responses: {
    200: jsonResponse(TokenPairSchema, 'A new token pair'),
    401: problemResponse(
      'Invalid or expired token (`invalid_token`), or a reused one (`refresh_token_reused`)',
    ),
    403: problemResponse('The account is suspended (`account_suspended`)'),
  },
});

const logout = signedInRoute({
  method: 'post',
  path: '/logout',
  operationId: 'logout',
  tags: ['auth'],
  summary: 'End the current session',
  responses: { 204: { description: 'The session is revoked' } },
});

const logoutAll = signedInRoute({
  method: 'post',
  path: '/logout-all',
  operationId: 'logoutEverywhere',
  tags: ['auth'],
  summary: 'End every session of the current user',
  responses: { 204: { description: 'Every session is revoked' } },
});

const logoutOthers = signedInRoute({
  method: 'post',
  path: '/logout-others',
  operationId: 'logoutOtherSessions',
  tags: ['auth'],
  summary: 'End every session of the current user but this one',
  responses: { 204: { description: 'Every other session is revoked' } },
});

const listSessions = signedInRoute({
  method: 'get',
  path: '/sessions',
  operationId: 'listMySessions',
  tags: ['auth'],
  summary: "The current user's live sessions (not revoked, not expired), most recently used first",
  responses: { 200: jsonResponse(UserSessionListSchema, 'The sessions') },
});

const revokeSession = signedInRoute({
  method: 'delete',
  path: '/sessions/{id}',
  operationId: 'revokeMySession',
  tags: ['auth'],
  summary: 'End one session of the current user (this one too, like logout)',
  request: { params: SessionIdParamsSchema },
  responses: {
    204: { description: 'The session is revoked' },
    404: problemResponse('The user has no live session with this id (`not_found`)'),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
  },
});

const changePassword = signedInRoute({
  method: 'post',
  path: '/password',
  operationId: 'changePassword',
  tags: ['auth'],
  summary: 'Change the password; every other session is revoked',
  request: { body: jsonBody(ChangePasswordRequestSchema) },
  responses: {
    204: { description: 'Password changed' },
    422: problemResponse('The new password does not meet the policy (`validation_failed`)'),
  },
});

const currentSession = signedInRoute({
  method: 'get',
  path: '/session',
  operationId: 'getCurrentSession',
  tags: ['auth'],
  summary: 'Who the access token belongs to',
  responses: { 200: jsonResponse(SessionInfoSchema, 'The caller and their session') },
});

const sessionMeta = (c: Context<AppEnv>) => ({
  userAgent: c.req.header('user-agent'),
  ip: clientIp(c, c.var.deps),
});

export const authRoutes = () =>
  createRouter()
    .openapi(register, async (c) => {
      const input = c.req.valid('json');
      await c.var.deps.services.abuse.attempt('register', {
        ip: clientIp(c, c.var.deps),
        account: input.email,
      });
      return c.json(await c.var.deps.services.auth.register(input), 201);
    })
    .openapi(login, async (c) => {
      const { email, password } = c.req.valid('json');
      const meta = sessionMeta(c);
      await c.var.deps.services.abuse.attempt('login', { ip: meta.ip, account: email });
      setEarlyHeader(c, 'Cache-Control', 'no-store');
      return c.json(await c.var.deps.services.auth.login(email, password, meta), 200);
    })
    .openapi(refresh, async (c) => {
      setEarlyHeader(c, 'Cache-Control', 'no-store');
      return c.json(await c.var.deps.services.sessions.refresh(c.req.valid('json').refreshToken), 200);
    })
    .openapi(currentSession, (c) => c.json(c.var.auth, 200))
    .openapi(logout, async (c) => {
      await c.var.deps.services.sessions.logout(c.var.auth.sessionId);
      return c.body(null, 204);
    })
    .openapi(logoutAll, async (c) => {
      await c.var.deps.services.sessions.revokeAllForUser(c.var.auth.userId, 'logout_all');
      return c.body(null, 204);
    })
    .openapi(logoutOthers, async (c) => {
      await c.var.deps.services.sessions.revokeAllForUser(
        c.var.auth.userId,
        'logout_others',
        c.var.auth.sessionId,
      );
      return c.body(null, 204);
    })
    .openapi(listSessions, async (c) => {
      setEarlyHeader(c, 'Cache-Control', 'no-store');
      const { userId, sessionId } = c.var.auth;
      return c.json({ items: await c.var.deps.services.sessions.listForUser(userId, sessionId) }, 200);
    })
    .openapi(revokeSession, async (c) => {
      await c.var.deps.services.sessions.revokeOwn(c.var.auth.userId, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(changePassword, async (c) => {
      const { currentPassword, newPassword } = c.req.valid('json');
      await c.var.deps.services.auth.changePassword(
        c.var.auth.userId,
        c.var.auth.sessionId,
        currentPassword,
        newPassword,
      );
      return c.body(null, 204);
    });

/** `/.well-known/jwks.json`: the public keys any process can verify access tokens with. */
const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  tags: ['auth'],
  summary: 'Public keys (JWK set) that verify access tokens',
  responses: {
    200: jsonResponse(
      z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JwkSet'),
      'The JWK set',
    ),
  },
});

export const jwksRoutes = () =>
  createRouter().openapi(jwks, (c) => {
    setEarlyHeader(c, 'Cache-Control', 'public, max-age=300');
    return c.json(c.var.deps.signingKeys.jwks as { keys: Record<string, unknown>[] }, 200);
  });
