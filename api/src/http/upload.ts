/** Reads an uploaded file from a multipart/form-data body, with errors a client can act on. */
import { AppError, validationFailed } from '@streamhub/errors/app-error';
import type { Context } from 'hono';

const MULTIPART = /^multipart\/form-data\s*;/i;

/**
 * The bytes of file field `field`. The whole body is buffered: put a body limit in front of the route.
 * The size is not checked here; the caller knows its limit and checks the real byte count.
 */
export async function readUploadedFile(c: Context, field: string): Promise<Uint8Array> {
  if (!MULTIPART.test(c.req.header('content-type') ?? '')) {
    throw new AppError(
      415,
      'unsupported_media_type',
      `Send the file as multipart/form-data in a field named "${field}".`,
    );
  }
  let body: Record<string, string | File | (string | File)[]>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (error) {
    throw new AppError(400, 'bad_request', 'The body is not valid multipart/form-data.', { cause: error });
  }
  const value = body[field];
  if (Array.isArray(value))
    throw validationFailed([{ path: `body.${field}`, message: 'must be a single file' }]);
  if (!(value instanceof File)) {
    throw validationFailed([{ path: `body.${field}`, message: 'is required and must be a file' }]);
  }
  return new Uint8Array(await value.arrayBuffer());
}
