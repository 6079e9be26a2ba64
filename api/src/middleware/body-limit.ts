/** Refuses request bodies above the configured size, whether announced by Content-Length or streamed. */
import { AppError } from '@streamhub/errors/app-error';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

export const bodyLimit = (maxBytes: number) => {
  const limit = honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
    },
  });
  // GET and HEAD carry no body; skipping them keeps the request object lazy on Node.
  return createMiddleware<AppEnv>((c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next),
  );
};
