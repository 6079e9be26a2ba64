/**
 * `/openapi.json` and the API reference at `/docs`, rendered here from the same document (see
 * reference-page.ts): no script, style or font from anywhere but this gateway, so the page works on a
 * machine without internet access.
 */
import { gzipSync } from 'node:zlib';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { APP_PAGE_CSP } from '../web/page-csp.ts';
import { webAssets } from '../web/web-assets.ts';
import { buildOpenApiDocument } from './document.ts';
import { type ReferenceDocument, referencePage } from './reference-page.ts';

interface RenderedPage {
  raw: string;
  gzipped: Uint8Array;
}

export function docsRoutes(api: OpenAPIHono<AppEnv>, publicUrl: string) {
  // Built on first request: the routes are complete by then, and start-up stays fast. Neither
  // changes while the process runs.
  let documentJson: string | undefined;
  let page: Promise<RenderedPage> | undefined;
  const document = () => {
    documentJson ??= JSON.stringify(buildOpenApiDocument(api, publicUrl));
    return documentJson;
  };
  const renderPage = async (): Promise<RenderedPage> => {
    const reference = JSON.parse(document()) as ReferenceDocument;
    const raw = (await referencePage(reference, await webAssets())).toString();
    return { raw, gzipped: gzipSync(raw) };
  };

  return new Hono<AppEnv>()
    .get('/openapi.json', (c) =>
      c.body(document(), 200, { 'Content-Type': 'application/json; charset=utf-8' }),
    )
    .get('/docs', async (c) => {
      if (!page) {
        page = renderPage();
        // A failed render is not kept: this request fails (500, logged) and the next one tries again.
        page.catch(() => {
          page = undefined;
        });
      }
      const { raw, gzipped } = await page;
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      c.header('Content-Security-Policy', APP_PAGE_CSP);
      // The reference changes with the gateway's version: revalidate.
      c.header('Cache-Control', 'no-cache');
      c.header('Content-Type', 'text/html; charset=UTF-8');
      c.header('Vary', 'Accept-Encoding');
      if (gzip) c.header('Content-Encoding', 'gzip');
      return c.body(gzip ? new Uint8Array(gzipped) : raw, 200);
    });
}
