import { AppError } from '@streamhub/errors/app-error';
import type { ErrorHandler, NotFoundHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { requestLog } from '../middleware/request-context.ts';
import { problemResponse, toAppError } from './problem.ts';

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    // Internals go to the log with the request id, never to the client.
    requestLog(c).error({ err: error }, 'request failed');
  }
  return problemResponse(c, appError);
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(c, new AppError(404, 'not_found', `Route ${c.req.method} ${c.req.path} was not found.`));
