/** Gives every request an id (echoed in `X-Request-Id`), the config, and a logger bound to that id on demand. */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@streamhub/logger/logger';
import { createMiddleware } from 'hono/factory';
import type { AppContext, AppEnv } from '../context.ts';
import type { GatewayDeps } from '../deps.ts';

// A caller-supplied id is kept only when it is short and plain, so it is safe in logs and headers.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestContext = (deps: GatewayDeps) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('config', deps.config);
    c.set('deps', deps);
    c.header('X-Request-Id', requestId);
    await next();
  });

/**
 * The request's logger, every line carrying its `reqId`. Created on first use rather than per request:
 * most requests log nothing but their access line, which carries `reqId` itself.
 */
export function requestLog(c: AppContext): Logger {
  let log = c.get('log');
  if (!log) {
    log = c.get('deps').logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
  }
  return log;
}
