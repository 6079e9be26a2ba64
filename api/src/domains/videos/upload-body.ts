/**
 * A tus PATCH body as the uploads service reads it: the chunks as the server received them, and a way to
 * stop reading early. On Node the incoming request is read as the Node stream it is: Hono's web stream
 * over it (`Readable.toWeb`) cost the gateway a promise and a queue entry per chunk and much of its
 * garbage (bench/storage, docs/benchmarks.md). Elsewhere (Bun) the web stream's reader hands its chunks
 * on as they come, with no copy.
 */
import type { IncomingMessage } from 'node:http';
import type { AppContext } from '../../context.ts';

export interface UploadBody {
  readonly chunks: AsyncIterable<Uint8Array>;
  /** The bytes the client declared (`Content-Length`), when it did: the storage cuts its parts to end there. */
  readonly declaredBytes?: number | undefined;
  /** Stops reading: the client is abandoned (on Node its connection is closed). */
  cancel(): void;
}

/** The request's body, read directly from Node's request when nothing has read it yet. */
export function requestUploadBody(c: AppContext): UploadBody | null {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  const declared = c.req.header('transfer-encoding') ? undefined : c.req.header('content-length');
  const declaredBytes = declared && /^\d{1,16}$/.test(declared) ? Number(declared) : undefined;
  // `readableFlowing` stays null until something reads it (Hono's web stream makes it flow).
  if (isIncomingMessage(incoming) && incoming.readableFlowing === null && !incoming.readableDidRead) {
    return nodeStreamBody(incoming, declaredBytes);
  }
  const body = c.req.raw.body;
  return body ? webStreamBody(body, declaredBytes) : null;
}

export function webStreamBody(stream: ReadableStream<Uint8Array>, declaredBytes?: number): UploadBody {
  const reader = stream.getReader();
  // The reader's results already have the iterator's shape: no generator (and its promise) per chunk.
  const iterator: AsyncIterator<Uint8Array> = {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
  };
  return {
    chunks: { [Symbol.asyncIterator]: () => iterator },
    declaredBytes,
    cancel: () => void reader.cancel().catch(() => {}),
  };
}

function nodeStreamBody(incoming: IncomingMessage, declaredBytes: number | undefined): UploadBody {
  return {
    chunks: incoming,
    declaredBytes,
    cancel: () => {
      // A body read to its end leaves the keep-alive connection alone.
      if (!incoming.readableEnded) incoming.destroy();
    },
  };
}

function isIncomingMessage(value: unknown): value is IncomingMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    'readableFlowing' in value &&
    'socket' in value &&
    Symbol.asyncIterator in value
  );
}
