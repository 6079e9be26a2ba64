/** Gives every request an id (echoed in `X-Request-Id`), the config and a logger bound to that id. */
import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';
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
    c.set('log', deps.logger.child({ reqId: requestId }));
    c.header('X-Request-Id', requestId);
    await next();
  });
