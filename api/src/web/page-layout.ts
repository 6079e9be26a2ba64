/**
 * How a page is sent, and the bare HTML shell of the API reference (the app's pages use the JSX shell
 * of pages/shell.tsx). Every value is interpolated through hono/html's `html` or hono/jsx, both of which
 * escape it; nothing user-provided ever goes through `raw`. Scripts find their parameters in data
 * attributes on <body> (the CSP allows no inline script).
 */
import { gzipSync } from 'node:zlib';
import { html } from 'hono/html';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { AppContext } from '../context.ts';
import { removeEarlyHeader } from '../middleware/response-headers.ts';
import { LANGUAGE, pageText } from './i18n/en.ts';
import type { WebAssets } from './web-assets.ts';

export type Html = ReturnType<typeof html>;

export interface LayoutOptions {
  /** `data-*` attributes of <body>, read by the page's script. */
  data?: Record<string, string>;
  /** Stylesheets after the shared one. */
  stylesheets?: string[];
}

export function layout(assets: WebAssets, title: string, body: Html, options: LayoutOptions = {}): Html {
  const attributes = Object.entries(options.data ?? {}).map(
    ([name, value]) => html` data-${name}="${value}"`,
  );
  const stylesheets = [assets.urls.stylesheet, ...(options.stylesheets ?? [])].map(
    (href) => html`<link rel="stylesheet" href="${href}" />`,
  );
  return html`<!doctype html>
<html lang="${LANGUAGE}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${pageText.title(title)}</title>
    ${stylesheets}
    <script type="module" src="${assets.urls.script}"></script>
  </head>
  <body${attributes}>
    ${body}
  </body>
</html>`;
}

export interface PageHeaders {
  csp: string;
  /** `no-cache` for pages whose content changes, `no-store` for pages opened from a secret link. */
  cacheControl: 'no-cache' | 'no-store';
  /** Lift the API-wide `X-Frame-Options: DENY` (the CSP's frame-ancestors then decides). */
  frameable?: boolean;
}

/** Whether the request takes a gzipped body. */
export const acceptsGzip = (c: AppContext): boolean => /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');

/**
 * A page built with `layout` (already a whole document) or a JSX `<html>` element (given its doctype).
 * Gzipped when the browser takes it (a page carries the app's 15 KB stylesheet inline: 4 KB gzipped),
 * except a `no-store` page: those are opened from a link carrying a secret, and a compressed response
 * that holds a secret beside reflected text is what BREACH reads (the others hold no secret: the server
 * does not know the reader).
 */
export async function sendPage(
  c: AppContext,
  status: 200 | 404,
  page: Html | JSX.Element,
  headers: PageHeaders,
) {
  c.header('Content-Security-Policy', headers.csp);
  if (headers.frameable) removeEarlyHeader(c, 'X-Frame-Options');
  c.header('Cache-Control', headers.cacheControl);
  const rendered = String(await page);
  const body = rendered.startsWith('<!doctype') ? rendered : `<!doctype html>${rendered}`;
  if (headers.cacheControl === 'no-store') return c.html(body, status);
  c.header('Vary', 'Accept-Encoding');
  if (!acceptsGzip(c)) return c.html(body, status);
  c.header('Content-Type', 'text/html; charset=UTF-8');
  c.header('Content-Encoding', 'gzip');
  return c.body(new Uint8Array(gzipSync(body)), status);
}
