/**
 * Metrics and the access line of every request, in one layer around everything after the request
 * context: each async middleware layer costs Hono a dispatch, a promise and microtasks per request.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';
import { type GatewayMetrics, requestRecorder } from '../observability/metrics.ts';
import { accessLogger } from './access-log.ts';

export const observeRequests = (metrics: GatewayMetrics) => {
  const record = requestRecorder(metrics);
  const writeAccessLine = accessLogger();
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    // Only `status` is read from the response: it keeps @hono/node-server's lightweight response path.
    record(c, ms / 1000);
    writeAccessLine(c, c.res.status, ms);
  });
};
