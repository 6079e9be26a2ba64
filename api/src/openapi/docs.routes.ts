/**
 * `/openapi.json` and the interactive reference at `/docs`. The reference's script is served from
 * our own node_modules, never a CDN, so the page works on a machine without internet access.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { buildOpenApiDocument } from './document.ts';

const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
].join('; ');

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>StreamHub API reference</title>
  </head>
  <body>
    <div id="api-reference"></div>
    <script src="/docs/assets/scalar.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>`;

const INIT_SCRIPT = `Scalar.createApiReference('#api-reference', {
  url: '/openapi.json',
  withDefaultFonts: false,
  hideClientButton: true,
  telemetry: false,
});`;

interface Asset {
  raw: Buffer;
  gzipped: Buffer;
}

let scalarAsset: Promise<Asset> | undefined;

function loadScalar(): Promise<Asset> {
  scalarAsset ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@scalar/api-reference');
    const raw = await readFile(join(dirname(entry), 'browser', 'standalone.js'));
    return { raw, gzipped: gzipSync(raw) };
  })();
  return scalarAsset;
}

export function docsRoutes(api: OpenAPIHono<AppEnv>, publicUrl: string) {
  // Built on first request: the routes are complete by then, and start-up stays fast.
  let documentJson: string | undefined;
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => {
      documentJson ??= JSON.stringify(buildOpenApiDocument(api, publicUrl));
      return c.body(documentJson, 200, { 'Content-Type': 'application/json; charset=utf-8' });
    })
    .get('/docs', (c) => {
      c.header('Content-Security-Policy', DOCS_CSP);
      return c.html(DOCS_PAGE);
    })
    .get('/docs/assets/init.js', (c) =>
      c.body(INIT_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
    )
    .get('/docs/assets/scalar.js', async (c) => {
      const asset = await loadScalar();
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      c.header('Cache-Control', 'public, max-age=86400');
      c.header('Vary', 'Accept-Encoding');
      if (gzip) c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(gzip ? asset.gzipped : asset.raw), 200);
    });
}
