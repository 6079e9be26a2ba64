/**
 * The watch page's static files, each at a URL that names its content (a hash, or hls.js's version) so
 * browsers may cache it forever. The browser modules under client/ are TypeScript, bundled into one
 * ES module by esbuild when first asked for (esbuild drops the types; client/tsconfig.json checks them).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface WatchAsset {
  contentType: string;
  raw: Uint8Array;
  gzipped: Uint8Array;
}

export interface WatchAssets {
  /** Paths the pages link to. */
  urls: { script: string; stylesheet: string; hlsModule: string; hlsWorker: string };
  /** By file name under `/assets/`. */
  files: ReadonlyMap<string, WatchAsset>;
}

export const ASSETS_PATH = '/assets';
const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

let loaded: Promise<WatchAssets> | undefined;

/** Built once per process, on the first page or asset request, so that start-up stays fast. */
export function watchAssets(): Promise<WatchAssets> {
  if (!loaded) {
    loaded = loadWatchAssets();
    // A failed build is not kept: the request fails (500, logged) and the next one tries again.
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}

async function loadWatchAssets(): Promise<WatchAssets> {
  const require = createRequire(import.meta.url);
  const hlsVersion = (require('hls.js/package.json') as { version: string }).version;
  const [script, stylesheet, hlsModule, hlsWorker] = await Promise.all([
    bundleClient(),
    readFile(new URL('./static/watch.css', import.meta.url)),
    readFile(require.resolve('hls.js/dist/hls.min.mjs')),
    readFile(require.resolve('hls.js/dist/hls.worker.js')),
  ]);
  const named: [string, Uint8Array, string][] = [
    [`watch-${contentHash(script)}.js`, script, JAVASCRIPT],
    [`watch-${contentHash(stylesheet)}.css`, stylesheet, CSS],
    [`hls-${hlsVersion}.min.mjs`, hlsModule, JAVASCRIPT],
    [`hls-${hlsVersion}.worker.js`, hlsWorker, JAVASCRIPT],
  ];
  const files = new Map(
    named.map(([name, raw, contentType]) => [name, { contentType, raw, gzipped: gzipSync(raw) }]),
  );
  const [scriptUrl, stylesheetUrl, hlsModuleUrl, hlsWorkerUrl] = named.map(
    ([name]) => `${ASSETS_PATH}/${name}`,
  ) as [string, string, string, string];
  return {
    urls: { script: scriptUrl, stylesheet: stylesheetUrl, hlsModule: hlsModuleUrl, hlsWorker: hlsWorkerUrl },
    files,
  };
}

async function bundleClient(): Promise<Uint8Array> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./client/watch.ts', import.meta.url))],
    tsconfig: fileURLToPath(new URL('./client/tsconfig.json', import.meta.url)),
    bundle: true,
    format: 'esm',
    // Browsers of the last few years; hls.js itself needs no older.
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no watch page bundle');
  return output.contents;
}

function contentHash(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('base64url').slice(0, 12);
}
