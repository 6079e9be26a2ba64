/**
 * `signedInRoute`: `createRoute` for a route that takes an access token. Every such route needs the
 * same three things — the bearer security requirement in the OpenAPI document, the `requireAuth`
 * middleware, and the 401 it answers — so they are declared here once instead of in each route.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { BEARER_AUTH, problemResponse } from '../../http/responses.ts';
import { requireAuth } from './auth-guard.ts';

/** What `requireAuth` answers; a route may describe its own 403 instead. */
export const SIGNED_IN_ERRORS = {
  401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
  403: problemResponse('The account is suspended (`account_suspended`)'),
};

type SignedInRouteConfig<P extends string> = Omit<RouteConfig, 'path' | 'security' | 'middleware'> & {
  path: P;
};

export function signedInRoute<P extends string, R extends SignedInRouteConfig<P>>(route: R) {
  return createRoute({
    ...route,
    security: BEARER_AUTH,
    middleware: [requireAuth] as const,
    responses: { ...SIGNED_IN_ERRORS, ...route.responses },
  });
}
