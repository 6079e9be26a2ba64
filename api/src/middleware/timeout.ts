/** Fails a request that takes longer than the configured time instead of holding the connection. */
import { AppError } from '@streamhub/errors/app-error';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

export const requestTimeout = (ms: number) =>
  createMiddleware<AppEnv>(async (_c, next) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError(503, 'request_timeout', `The request took longer than ${ms} ms.`)),
        ms,
      );
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  });
