/**
 * The pages' static files (watch pages, account pages, the API reference), each at a URL that names
 * its content (a hash, or hls.js's version) so browsers may cache it forever. The browser modules
 * under client/ are TypeScript, bundled into one ES module by esbuild when first asked for (esbuild
 * drops the types; client/tsconfig.json checks them).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { APP_STYLESHEET } from './app-style.ts';

export interface WebAsset {
  contentType: string;
  raw: Uint8Array;
  gzipped: Uint8Array;
}

export interface WebAssets {
  /** Paths the pages link to. */
  urls: {
    script: string;
    /** The app's stylesheet, linked by the API reference (the app's pages carry it inline). */
    stylesheet: string;
    /** The API reference's own stylesheet, on top of `stylesheet`. */
    docsStylesheet: string;
    hlsModule: string;
    hlsWorker: string;
    favicon: string;
  };
  /** By file name under `/assets/`. */
  files: ReadonlyMap<string, WebAsset>;
}

export const ASSETS_PATH = '/assets';
const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SVG = 'image/svg+xml';

let loaded: Promise<WebAssets> | undefined;

/** Built once per process, on the first page or asset request, so that start-up stays fast. */
export function webAssets(): Promise<WebAssets> {
  if (!loaded) {
    loaded = loadWebAssets();
    // A failed build is not kept: the request fails (500, logged) and the next one tries again.
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}

async function loadWebAssets(): Promise<WebAssets> {
  const require = createRequire(import.meta.url);
  const hlsVersion = (require('hls.js/package.json') as { version: string }).version;
  const [bundle, stylesheet, docsStylesheet, hlsModule, hlsWorker, favicon] = await Promise.all([
    bundleClient(),
    Buffer.from(APP_STYLESHEET),
    readFile(new URL('./static/docs.css', import.meta.url)),
    // The light build: no alternate audio, subtitles, DRM, CMCD or HEVC/AC-3 in MPEG-TS, none of which
    // StreamHub's H.264/AAC ladders use; 117 KB gzipped instead of 183, and about 2.5 times less time
    // to evaluate (the long task Lighthouse counts on the player pages; docs/benchmarks.md "Web app").
    readFile(require.resolve('hls.js/dist/hls.light.min.mjs')),
    readFile(require.resolve('hls.js/dist/hls.worker.js')),
    readFile(new URL('./static/favicon.svg', import.meta.url)),
  ]);
  const named: [string, Uint8Array, string][] = [
    [bundle.entry.name, bundle.entry.contents, JAVASCRIPT],
    [`app-${contentHash(stylesheet)}.css`, stylesheet, CSS],
    [`docs-${contentHash(docsStylesheet)}.css`, docsStylesheet, CSS],
    [`hls-${hlsVersion}.light.min.mjs`, hlsModule, JAVASCRIPT],
    [`hls-${hlsVersion}.worker.js`, hlsWorker, JAVASCRIPT],
    [`favicon-${contentHash(favicon)}.svg`, favicon, SVG],
  ];
  const files = new Map(
    [...named, ...bundle.chunks.map(({ name, contents }) => [name, contents, JAVASCRIPT] as const)].map(
      ([name, raw, contentType]) => [name, { contentType, raw, gzipped: gzipSync(raw) }],
    ),
  );
  const [scriptUrl, stylesheetUrl, docsStylesheetUrl, hlsModuleUrl, hlsWorkerUrl, faviconUrl] = named.map(
    ([name]) => `${ASSETS_PATH}/${name}`,
  ) as [string, string, string, string, string, string];
  return {
    urls: {
      script: scriptUrl,
      stylesheet: stylesheetUrl,
      docsStylesheet: docsStylesheetUrl,
      hlsModule: hlsModuleUrl,
      hlsWorker: hlsWorkerUrl,
      favicon: faviconUrl,
    },
    files,
  };
}

interface BundledFile {
  /** Its name under `/assets/`, which carries its content hash. */
  name: string;
  contents: Uint8Array;
}

/**
 * The entry module every page loads, and the chunks it imports only when a page needs them (a dynamic
 * `import()`, e.g. tus-js-client for the studio's uploader), so that other pages do not download them.
 * Chunks import each other by relative name, and all are served from `/assets/`.
 */
async function bundleClient(): Promise<{ entry: BundledFile; chunks: BundledFile[] }> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./client/main.ts', import.meta.url))],
    tsconfig: fileURLToPath(new URL('./client/tsconfig.json', import.meta.url)),
    bundle: true,
    format: 'esm',
    splitting: true,
    // Never written (write: false); esbuild needs a directory to name the chunks relative to.
    outdir: '/streamhub-assets',
    entryNames: 'app-[hash]',
    chunkNames: 'chunk-[hash]',
    // Browsers of the last few years; hls.js itself needs no older.
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((file) => ({
    name: file.path.slice(file.path.lastIndexOf('/') + 1),
    contents: file.contents,
  }));
  const entry = files.find((file) => file.name.startsWith('app-'));
  if (!entry) throw new Error('esbuild produced no page bundle');
  // Renamed by the hash of its whole content, like the other assets (nothing imports the entry by name).
  return {
    entry: { name: `app-${contentHash(entry.contents)}.js`, contents: entry.contents },
    chunks: files.filter((file) => file !== entry),
  };
}

function contentHash(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('base64url').slice(0, 12);
}
