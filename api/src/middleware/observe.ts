/**
 * Metrics and the access line of every request. Not a layer of its own: the gateway's dispatch calls
 * it once the answer is decided (middleware/dispatch.ts), with the answer's status and the route
 * pattern that answered.
 */
import type { AppContext } from '../context.ts';
import { type GatewayMetrics, requestRecorder } from '../observability/metrics.ts';
import { accessLogger } from './access-log.ts';

/** Returns `finish(c, status, startedAt, route)` (`startedAt` from `performance.now()`). */
export const requestObserver = (metrics: GatewayMetrics) => {
  const record = requestRecorder(metrics);
  const writeAccessLine = accessLogger();
  return (c: AppContext, status: number, startedAt: number, route: string): void => {
    const ms = performance.now() - startedAt;
    record(c.req.method, route, status, ms / 1000);
    writeAccessLine(c, status, ms);
  };
};
