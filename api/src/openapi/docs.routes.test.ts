/** `/docs` over HTTP: a complete reference of every operation, its headers, assets and escaping. */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { APP_PAGE_CSP } from '../web/page-csp.ts';
import { webAssets } from '../web/web-assets.ts';
import { type ReferenceDocument, referencePage } from './reference-page.ts';

const PUBLIC_URL = 'https://api.example';

let backends: TestBackends;
let app: GatewayApp;

beforeAll(async () => {
  backends = await createTestBackends();
  app = createApp(backends.deps({ PUBLIC_URL })).app;
});
afterAll(() => backends.close());

type Paths = Record<string, Record<string, { operationId: string }>>;

describe('GET /docs', () => {
  it('lists every operation of /openapi.json, server-rendered under a strict CSP', async () => {
    const response = await app.request('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(response.headers.get('content-security-policy')).toBe(APP_PAGE_CSP);
    expect(APP_PAGE_CSP).toContain("default-src 'none'");
    expect(APP_PAGE_CSP).not.toContain('unsafe-inline');
    expect(APP_PAGE_CSP).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const page = await response.text();

    const { paths } = (await (await app.request('/openapi.json')).json()) as { paths: Paths };
    const operationIds = Object.values(paths).flatMap((item) =>
      Object.values(item).map((o) => o.operationId),
    );
    expect(operationIds.length).toBeGreaterThan(50);
    for (const id of operationIds) {
      expect(page, id).toContain(`<a href="#op-${id}"`);
      expect(page, id).toContain(`<article id="op-${id}"`);
    }
    expect(page).toContain(`<code>${PUBLIC_URL}</code>`);

    // Nothing from another host: every link and source is on this gateway, the only script is the
    // bundle (a module), and no font is named.
    const references = [...page.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(references.filter((url) => !/^(\/|#)/.test(url))).toEqual([]);
    expect(page.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" src="\/assets\/app-[\w-]{12}\.js">$/),
    ]);
    expect(page).not.toMatch(/@font-face|fonts\.|\bstyle="/);
  });

  it('is sent gzipped on request, and its stylesheets and script are immutable assets', async () => {
    const plain = await (await app.request('/docs')).text();
    const zipped = await app.request('/docs', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toBe('Accept-Encoding');
    expect(gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString('utf8')).toBe(plain);

    const linked = [
      ...plain.matchAll(/(?:<link rel="stylesheet" href|<script type="module" src)="([^"]+)"/g),
    ].map((match) => match[1] ?? '');
    expect(linked).toEqual([
      expect.stringMatching(/^\/assets\/app-[\w-]{12}\.css$/),
      expect.stringMatching(/^\/assets\/docs-[\w-]{12}\.css$/),
      expect.stringMatching(/^\/assets\/app-[\w-]{12}\.js$/),
    ]);
    for (const url of linked) {
      const asset = await app.request(url);
      expect(asset.status, url).toBe(200);
      expect(asset.headers.get('cache-control'), url).toBe('public, max-age=31536000, immutable');
    }
  });

  it('no longer serves the third-party reference bundle', async () => {
    expect((await app.request('/docs/assets/scalar.js')).status).toBe(404);
  });
});

describe('referencePage', () => {
  it('escapes every text of the document and spells out request fields', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const document: ReferenceDocument = {
      info: { title: `API ${hostile}`, version: '1.0.0', description: `Uses \`${hostile}\`` },
      paths: {
        '/things/{id}': {
          post: {
            operationId: 'makeThing',
            tags: ['things'],
            summary: `Make ${hostile}`,
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            ],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
            },
            responses: { 204: { description: 'Made' } },
          },
        },
      },
      components: {
        schemas: {
          Thing: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 40, description: hostile },
              kind: { type: ['string', 'null'], enum: [hostile, null] },
            },
          },
        },
      },
    };
    const page = (await referencePage(document, await webAssets())).toString();
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(page).toContain('<a href="#op-makeThing"');
    expect(page).toMatch(
      /<code class="field">name<\/code> <span class="type">string<\/span> <span class="required">required<\/span>/,
    );
    expect(page).toContain('1–40 characters');
    expect(page).toContain('<span class="type">string | null</span>');
    expect(page).toContain('<span class="type">string (uuid)</span>');
    expect(page).toContain('<article id="schema-Thing"');
  });
});
