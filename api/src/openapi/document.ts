/** The gateway's OpenAPI 3.1 document, generated from the zod route schemas. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { streamhubVersion } from '../runtime-info.ts';

export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>, publicUrl: string) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'StreamHub API',
      version: streamhubVersion,
      description:
        'Live streaming and video on demand. Errors are RFC 9457 problem+json documents with a stable `code`.',
    },
    servers: [{ url: publicUrl }],
  });
}
