/**
 * For public routes that answer a little more to a signed-in caller (`liked`): the caller when the request
 * carries a token, else undefined. A token that is sent but bad is still a 401, through the same guard
 * as every protected route, so an expired token is noticed instead of silently reading as anonymous.
 */
import type { AppContext } from '../../context.ts';
import { requireAuth } from './auth-guard.ts';
import type { AuthContext } from './session.service.ts';

export async function optionalCaller(c: AppContext): Promise<AuthContext | undefined> {
  if (c.req.header('authorization') === undefined) return undefined;
  let caller: AuthContext | undefined;
  await requireAuth(c, async () => {
    caller = c.var.auth;
  });
  return caller;
}

/** OpenAPI security of such routes: anonymous, or a bearer token. */
export const optionalBearer: Record<string, string[]>[] = [{}, { bearerAuth: [] }];
