/**
 * Metrics and the access line of every request. Not a layer of its own: the gateway's dispatch calls
 * it once the answer is decided (middleware/dispatch.ts), with the answer's status and the route
 * pattern that answered.
 */

import type { Logger } from '@streamhub/logger/logger';
import type { AppContext } from '../context.ts';
import { type GatewayMetrics, requestRecorder } from '../observability/metrics.ts';
import { accessLineWriter } from './access-log.ts';

/**
 * Returns `finish(c, status, startedAt, route)` (`startedAt` from `performance.now()`), and `answered`,
 * the same for a request answered without a Hono context (the LL-HLS fast path).
 */
export const requestObserver = (metrics: GatewayMetrics) => {
  const record = requestRecorder(metrics);
  const writeAccessLine = accessLineWriter();
  const answered = (
    logger: Logger,
    request: { id: string; method: string; path: string },
    status: number,
    startedAt: number,
    route: string,
  ): void => {
    const ms = performance.now() - startedAt;
    record(request.method, route, status, ms / 1000);
    writeAccessLine(logger, request.id, request.method, request.path, status, ms);
  };
  const finish = (c: AppContext, status: number, startedAt: number, route: string): void => {
    // c.get(), not c.var: `c.var` copies every variable into a new object on each access.
    const request = { id: c.get('requestId'), method: c.req.method, path: c.req.path };
    answered(c.get('deps').logger, request, status, startedAt, route);
  };
  return Object.assign(finish, { answered });
};
