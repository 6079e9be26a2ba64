/** One structured log line per request, after the response is decided. */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

export const accessLog = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    // Only `status` is read from the response: it keeps @hono/node-server's lightweight response path.
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    };
    // c.get(), not c.var: `c.var` copies every variable into a new object on each access.
    const log = c.get('log');
    if (status >= 500) log.error(fields, 'request');
    else log.info(fields, 'request');
  });
