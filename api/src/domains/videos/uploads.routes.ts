/**
 * `/api/v1/uploads`: resumable video uploads over tus 1.0.0 (creation, termination, expiration). The
 * protocol lives in headers and raw bodies, so these are plain Hono routes; docs/videos.md describes them.
 */
import { UploadMetadataSchema } from '@streamhub/contracts/videos';
import { AppError, notFound, validationFailed } from '@streamhub/errors/app-error';
import { Hono } from 'hono';
import type { AppContext, AppEnv } from '../../context.ts';
import { requireAuth } from '../auth/auth-guard.ts';
import { parseByteCount, parseUploadMetadata, TUS_CONTENT_TYPE, TUS_EXTENSIONS, TUS_VERSION } from './tus.ts';
import type { UploadState } from './uploads.service.ts';

/** Where uploads are mounted; the gateway's body limit and request timeout leave this prefix alone. */
export const UPLOADS_PATH = '/api/v1/uploads';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function videoIdOf(c: AppContext): string {
  const id = c.req.param('id') ?? '';
  if (!UUID.test(id)) throw notFound('Upload');
  return id.toLowerCase();
}

function stateHeaders(c: AppContext, state: UploadState): void {
  c.header('Upload-Offset', String(state.offset));
  c.header('Upload-Length', String(state.length));
  if (state.expiresAt) c.header('Upload-Expires', state.expiresAt.toUTCString());
}

function capabilities(c: AppContext): Response {
  c.header('Tus-Version', TUS_VERSION);
  c.header('Tus-Extension', TUS_EXTENSIONS);
  c.header('Tus-Max-Size', String(c.var.config.videos.maxBytes));
  return c.body(null, 204);
}

export const uploadRoutes = () =>
  new Hono<AppEnv>()
    .use(async (c, next) => {
      c.header('Tus-Resumable', TUS_VERSION);
      c.header('Cache-Control', 'no-store');
      if (c.req.method !== 'OPTIONS' && c.req.header('tus-resumable') !== TUS_VERSION) {
        throw new AppError(412, 'tus_version_unsupported', `Send Tus-Resumable: ${TUS_VERSION}.`, {
          headers: { 'Tus-Version': TUS_VERSION },
        });
      }
      await next();
    })
    .options('/', capabilities)
    .options('/:id', capabilities)
    .post('/', requireAuth, async (c) => {
      if (c.req.header('upload-defer-length') !== undefined) {
        throw new AppError(400, 'bad_request', 'Upload-Defer-Length is not supported; send Upload-Length.');
      }
      const length = parseByteCount('Upload-Length', c.req.header('upload-length'));
      if (length === undefined) {
        throw validationFailed([{ path: 'header.upload-length', message: 'is required' }]);
      }
      const parsed = UploadMetadataSchema.safeParse(parseUploadMetadata(c.req.header('upload-metadata')));
      if (!parsed.success) {
        throw validationFailed(
          parsed.error.issues.map((issue) => ({
            path: ['header', 'upload-metadata', ...issue.path.map(String)].join('.'),
            message: issue.message,
          })),
        );
      }
      const state = await c.var.deps.services.uploads.create(c.var.auth, length, parsed.data);
      stateHeaders(c, state);
      // Relative, so it is right whatever address the client used (PUBLIC_URL may be a proxy's).
      c.header('Location', `${UPLOADS_PATH}/${state.videoId}`);
      return c.json({ videoId: state.videoId }, 201);
    })
    // Hono answers HEAD with the GET route minus its body; a GET on an upload therefore says the same.
    .get('/:id', requireAuth, async (c) => {
      stateHeaders(c, await c.var.deps.services.uploads.state(c.var.auth, videoIdOf(c)));
      return c.body(null, 200);
    })
    .patch('/:id', requireAuth, async (c) => {
      const id = videoIdOf(c);
      if (c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase() !== TUS_CONTENT_TYPE) {
        throw new AppError(415, 'unsupported_media_type', `Send the bytes as ${TUS_CONTENT_TYPE}.`);
      }
      const offset = parseByteCount('Upload-Offset', c.req.header('upload-offset'));
      if (offset === undefined)
        throw validationFailed([{ path: 'header.upload-offset', message: 'is required' }]);
      const state = await c.var.deps.services.uploads.append(c.var.auth, id, offset, c.req.raw.body);
      stateHeaders(c, state);
      return c.body(null, 204);
    })
    .delete('/:id', requireAuth, async (c) => {
      await c.var.deps.services.uploads.terminate(c.var.auth, videoIdOf(c));
      return c.body(null, 204);
    });
