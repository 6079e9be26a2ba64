/**
 * `/api/v1/uploads`: resumable video uploads over tus 1.0.0 (creation, termination, expiration). The
 * protocol lives in headers and raw bodies, so the handlers read them directly; the OpenAPI entries
 * below only describe them (docs/videos.md has the details).
 */
import { z } from '@hono/zod-openapi';
import { UploadMetadataSchema } from '@streamhub/contracts/videos';
import { AppError, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { AppContext } from '../../context.ts';
import { BEARER_AUTH, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireAuth } from '../auth/auth-guard.ts';
import { parseByteCount, parseUploadMetadata, TUS_CONTENT_TYPE, TUS_EXTENSIONS, TUS_VERSION } from './tus.ts';
import { requestUploadBody } from './upload-body.ts';
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

async function capabilities(c: AppContext): Promise<Response> {
  c.header('Tus-Version', TUS_VERSION);
  c.header('Tus-Extension', TUS_EXTENSIONS);
  // The limit that applies now: an admin may change it live (the instance settings).
  c.header('Tus-Max-Size', String((await c.var.deps.services.settings.current()).videoMaxBytes));
  return c.body(null, 204);
}

const tags = ['uploads'];
const header = (description: string) => ({ description, schema: { type: 'string' as const } });
const tusHeaders = z.object({
  'Tus-Resumable': z.literal(TUS_VERSION).openapi({ param: { in: 'header', name: 'Tus-Resumable' } }),
});
const idParams = z.object({ id: z.uuid().openapi({ param: { in: 'path', name: 'id' } }) });
const common = {
  401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
  412: problemResponse('Tus-Resumable is missing or not 1.0.0 (`tus_version_unsupported`)'),
};
const uploadStateHeaders = {
  'Upload-Offset': header('Bytes the server holds'),
  'Upload-Length': header('The whole file size'),
  'Upload-Expires': header('When an unfinished upload is removed (RFC 9110 date)'),
};

/** OpenAPI entries of the tus routes (documentation only: the handlers read headers and bodies themselves). */
function describeRoutes(router: ReturnType<typeof createRouter>) {
  const registry = router.openAPIRegistry;
  registry.registerPath({
    method: 'options',
    path: '/',
    operationId: 'getUploadCapabilities',
    tags,
    summary: 'tus capabilities: version, extensions, maximum size',
    responses: {
      204: {
        description: 'Capabilities',
        headers: {
          'Tus-Version': header('1.0.0'),
          'Tus-Extension': header(TUS_EXTENSIONS),
          'Tus-Max-Size': header('VIDEO_MAX_BYTES'),
        },
      },
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/',
    operationId: 'createUpload',
    tags,
    summary: 'Create a tus upload and its video (status uploading)',
    security: BEARER_AUTH,
    request: {
      headers: tusHeaders.extend({
        'Upload-Length': z.string().openapi({ param: { in: 'header', name: 'Upload-Length' } }),
        'Upload-Metadata': z.string().openapi({
          param: { in: 'header', name: 'Upload-Metadata' },
          description:
            'key base64(value) pairs: title (required), description, tags, category, visibility, filename',
        }),
      }),
    },
    responses: {
      201: {
        description: 'Created; PATCH the bytes to Location',
        headers: { Location: header('/api/v1/uploads/{videoId}'), ...uploadStateHeaders },
        content: { 'application/json': { schema: z.object({ videoId: z.uuid() }) } },
      },
      400: problemResponse(
        'Malformed Upload-Metadata or Upload-Length, or a deferred length (`bad_request`)',
      ),
      ...common,
      413: problemResponse(
        'Larger than VIDEO_MAX_BYTES (`video_too_large`) or past the quota (`video_quota_exceeded`)',
      ),
      422: problemResponse('Invalid metadata, e.g. no title (`validation_failed`)'),
    },
  });
  registry.registerPath({
    method: 'head',
    path: '/{id}',
    operationId: 'getUploadOffset',
    tags,
    summary: 'Where an upload stands: the offset to continue from',
    security: BEARER_AUTH,
    request: { params: idParams, headers: tusHeaders },
    responses: {
      200: { description: 'The upload', headers: uploadStateHeaders },
      ...common,
      404: problemResponse('No such upload of the caller (`not_found`)'),
      410: problemResponse('Abandoned and removed (`upload_expired`)'),
    },
  });
  registry.registerPath({
    method: 'patch',
    path: '/{id}',
    operationId: 'appendUpload',
    tags,
    summary: 'Append bytes at Upload-Offset; the last byte completes the upload (probed with ffprobe)',
    security: BEARER_AUTH,
    request: {
      params: idParams,
      headers: tusHeaders.extend({
        'Upload-Offset': z.string().openapi({ param: { in: 'header', name: 'Upload-Offset' } }),
      }),
      body: {
        required: true,
        content: { [TUS_CONTENT_TYPE]: { schema: z.string().openapi({ format: 'binary' }) } },
      },
    },
    responses: {
      204: { description: 'Appended; Upload-Offset is the new offset', headers: uploadStateHeaders },
      400: problemResponse('The body went past Upload-Length or ended early (`bad_request`)'),
      ...common,
      404: problemResponse('No such upload of the caller (`not_found`)'),
      409: problemResponse(
        'Upload-Offset is not the server offset (`upload_offset_mismatch`), or another PATCH is writing (`upload_busy`)',
      ),
      410: problemResponse('Abandoned and removed (`upload_expired`)'),
      415: problemResponse(`The body is not ${TUS_CONTENT_TYPE} (\`unsupported_media_type\`)`),
      422: problemResponse('The finished file has no decodable video stream (`not_a_video`)'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/{id}',
    operationId: 'terminateUpload',
    tags,
    summary: 'Terminate an unfinished upload with its video',
    security: BEARER_AUTH,
    request: { params: idParams, headers: tusHeaders },
    responses: {
      204: { description: 'Terminated' },
      ...common,
      404: problemResponse('No such unfinished upload of the caller (`not_found`)'),
    },
  });
  return router;
}

export const uploadRoutes = () =>
  describeRoutes(createRouter())
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
      const state = await c.var.deps.services.uploads.append(c.var.auth, id, offset, requestUploadBody(c));
      stateHeaders(c, state);
      return c.body(null, 204);
    })
    .delete('/:id', requireAuth, async (c) => {
      await c.var.deps.services.uploads.terminate(c.var.auth, videoIdOf(c));
      return c.body(null, 204);
    });
