/** The auth middleware every protected route uses (the rules live in SessionService.authenticate). */
import type { UserRole } from '@streamhub/db/schema/users';
import { forbidden } from '@streamhub/errors/app-error';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../context.ts';
import { invalidToken } from './session.service.ts';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = c.req.header('authorization')?.match(BEARER)?.[1];
  if (!token) throw invalidToken('Send an access token as `Authorization: Bearer <token>`.');
  // c.get(), not c.var: `c.var` copies every variable into a new object on each access.
  c.set('auth', await c.get('deps').services.sessions.authenticate(token));
  await next();
});

/** `requireAuth` plus a role check. */
export const requireRole = (...roles: UserRole[]) =>
  createMiddleware<AppEnv>(async (c, next) =>
    requireAuth(c, async () => {
      if (!roles.includes(c.var.auth.role)) throw forbidden(`This needs the role ${roles.join(' or ')}.`);
      await next();
    }),
  );
