/**
 * The first layer of every request, synchronous: an id (echoed in `X-Request-Id`), the config and deps
 * in `c.var`, the security and CORS headers. One plain function returning `next()` instead of four
 * async layers: each layer costs Hono a dispatch, a promise and microtasks (docs/benchmarks.md, Gateway).
 * Every header is set before the handler runs, which keeps @hono/node-server's lightweight responses.
 */
import type { Logger } from '@streamhub/logger/logger';
import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv } from '../context.ts';
import type { GatewayDeps } from '../deps.ts';
import type { CorsPolicy } from './cors.ts';
import { requestIds } from './request-id.ts';
import { directHeaders, nodeResponse } from './response-headers.ts';

// A caller-supplied id is kept only when it is short and plain, so it is safe in logs and headers (the
// access line writes it into its JSON unescaped: access-log.ts).
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestStartOptions {
  securityHeaders: readonly (readonly [string, string])[];
  cors: CorsPolicy;
}

/**
 * The synchronous start of every request, as a plain function: the gateway's first layer calls it and
 * then times the rest (app.ts), so the two cost Hono one dispatch instead of two.
 */
export const startRequest = (deps: GatewayDeps, options: RequestStartOptions) => {
  const { securityHeaders, cors } = options;
  const newRequestId = requestIds();
  return (c: AppContext): void => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
    c.set('requestId', requestId);
    c.set('config', deps.config);
    c.set('deps', deps);
    // See response-headers.ts: on Node straight onto the ServerResponse, elsewhere through c.header().
    const outgoing = nodeResponse(c);
    if (outgoing) {
      // Every value here is valid as it stands (a checked id, constants, a configured origin).
      const target = directHeaders(outgoing);
      target.setHeader('X-Request-Id', requestId);
      for (const [name, value] of securityHeaders) target.setHeader(name, value);
      cors.headers(c, target);
    } else {
      c.header('X-Request-Id', requestId);
      for (const [name, value] of securityHeaders) c.header(name, value);
      cors.headers(c, c);
    }
  };
};

/** `startRequest` as a middleware of its own (tests that mount it without the rest of the stack). */
export const requestStart = (deps: GatewayDeps, options: RequestStartOptions): MiddlewareHandler<AppEnv> => {
  const start = startRequest(deps, options);
  return (c, next) => {
    start(c);
    return next();
  };
};

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
