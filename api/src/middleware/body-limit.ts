/**
 * Refuses request bodies above the configured size, whether announced by Content-Length or streamed,
 * with a 413 that ends the connection cleanly.
 *
 * Answering while the client is still sending is what broke keep-alive clients: the 413 said
 * keep-alive, then the server dropped the half-read connection (or, closing a socket with unread data,
 * the kernel sent a reset that can destroy the answer before the client reads it). So the rest of a
 * refused body is read and dropped first, within a budget, and the 413 says `Connection: close`:
 * Node and Bun close the connection once it is written, and no client reuses it.
 */
import { AppError } from '@streamhub/errors/app-error';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

/** How much of a refused body is drained before answering; past it the connection is cut. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
const DRAIN_MAX_MS = 2000;

/** The part of a body's reader used here (Node's and Bun's typings of it differ). */
interface BodyReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
}

const tooLarge = (maxBytes: number) =>
  new AppError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`, {
    headers: { Connection: 'close' },
  });

/**
 * Reads and drops the rest of a body within the budget. Never cancels the stream: on Node that
 * destroys the socket, and with it the 413. A read still pending at the deadline is left behind.
 */
async function drain(reader: BodyReader): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp = new Promise<'time-up'>((resolve) => {
    timer = setTimeout(() => resolve('time-up'), DRAIN_MAX_MS);
  });
  let dropped = 0;
  try {
    while (dropped <= DRAIN_MAX_BYTES) {
      const chunk = await Promise.race([reader.read(), timeUp]);
      if (chunk === 'time-up' || chunk.done) return;
      dropped += chunk.value.byteLength;
    }
  } catch {
    // The client went away: nobody is left to answer.
  } finally {
    clearTimeout(timer);
  }
}

export const bodyLimit = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    // GET and HEAD carry no body; skipping them keeps the request object lazy on Node.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.raw.headers.has('transfer-encoding')) {
      const length = Number.parseInt(declared, 10);
      if (!(length > maxBytes)) return next();
      // A body that cannot finish within the budget is not read at all.
      if (length <= maxBytes + DRAIN_MAX_BYTES) await drain(body.getReader());
      throw tooLarge(maxBytes);
    }
    // Streamed (chunked): read up to the limit, then hand the route the bytes read.
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await drain(reader);
        throw tooLarge(maxBytes);
      }
      chunks.push(chunk.value);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    await next();
  });
