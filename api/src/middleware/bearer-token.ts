/** Guards an operational route (e.g. `/metrics`) with a static bearer token, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '@streamhub/errors/app-error';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

export const requireBearerToken = (token: string | undefined) => {
  const expected = token === undefined ? undefined : digest(token);
  return createMiddleware<AppEnv>(async (c, next) => {
    if (expected) {
      const presented = c.req.header('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1] ?? '';
      // Hashing first gives equal-length buffers, so the comparison leaks nothing about the token.
      if (!timingSafeEqual(digest(presented), expected)) {
        c.header('WWW-Authenticate', 'Bearer realm="metrics"');
        throw unauthorized('This endpoint needs the metrics bearer token.');
      }
    }
    await next();
  });
};
