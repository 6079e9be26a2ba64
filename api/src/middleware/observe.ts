/**
 * Metrics and the access line of every request. Not a layer of its own: the gateway's first layer times
 * the rest of the request and calls this when it has finished (app.ts), since each async middleware
 * layer costs Hono a dispatch, a promise and microtasks per request.
 */
import type { AppContext } from '../context.ts';
import { type GatewayMetrics, requestRecorder } from '../observability/metrics.ts';
import { accessLogger } from './access-log.ts';

/** Returns `finish(c, startedAt)`: records a finished request (`startedAt` from `performance.now()`). */
export const requestObserver = (metrics: GatewayMetrics) => {
  const record = requestRecorder(metrics);
  const writeAccessLine = accessLogger();
  return (c: AppContext, startedAt: number): void => {
    const ms = performance.now() - startedAt;
    // Only `status` is read from the response: it keeps @hono/node-server's lightweight response path.
    const status = c.res.status;
    record(c, status, ms / 1000);
    writeAccessLine(c, status, ms);
  };
};
