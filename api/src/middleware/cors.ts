/**
 * CORS for the configured origins. Hono's stock `cors()` sets `Vary` after `next()`, which halves
 * throughput on Node; here every header is set before the handler runs.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
// The tus headers let browser uploaders (tus-js-client, Uppy) resume uploads across origins.
const ALLOWED_HEADERS =
  'Authorization, Content-Type, X-Request-Id, Idempotency-Key, Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata';
const EXPOSED_HEADERS =
  'X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Location, Tus-Resumable, Tus-Version, Tus-Max-Size, Tus-Extension, Upload-Offset, Upload-Length, Upload-Expires';

export const cors = (origins: readonly string[]) => {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  return createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header('origin');
    if (!origin || (!anyOrigin && !allowed.has(origin))) {
      if (!anyOrigin) c.header('Vary', 'Origin');
      return next();
    }
    c.header('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (!anyOrigin) {
      c.header('Vary', 'Origin');
      c.header('Access-Control-Allow-Credentials', 'true');
    }
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      c.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
      c.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    await next();
  });
};
