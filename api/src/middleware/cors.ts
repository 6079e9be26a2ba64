/**
 * CORS for the configured origins. Hono's stock `cors()` sets `Vary` after `next()`, which halves
 * throughput on Node; here every header is set before the handler runs.
 */
import type { AppContext } from '../context.ts';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
// The tus headers let browser uploaders (tus-js-client, Uppy) resume uploads across origins.
const ALLOWED_HEADERS =
  'Authorization, Content-Type, X-Request-Id, Idempotency-Key, Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata';
const EXPOSED_HEADERS =
  'X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Location, Tus-Resumable, Tus-Version, Tus-Max-Size, Tus-Extension, Upload-Offset, Upload-Length, Upload-Expires';

/** Where the CORS headers go: Node's `ServerResponse` (`setHeader`) or Hono's context (`header`). */
export type HeaderSink =
  | { setHeader(name: string, value: string): unknown }
  | { header(name: string, value: string): unknown };

export interface CorsPolicy {
  /** Sets the CORS headers of a request on `sink` (synchronous, before the handler). */
  headers(c: AppContext, sink: HeaderSink): void;
  /** The 204 answer to a preflight from an allowed origin; undefined for every other request. */
  preflight(c: AppContext): Response | undefined;
  /** What `headers` sets for a request without `Origin`. */
  withoutOrigin: readonly (readonly [string, string])[];
}

function put(sink: HeaderSink, name: string, value: string): void {
  if ('setHeader' in sink) sink.setHeader(name, value);
  else sink.header(name, value);
}

const isPreflight = (c: AppContext) =>
  c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  const allows = (origin: string | undefined): origin is string =>
    origin !== undefined && origin !== '' && (anyOrigin || allowed.has(origin));
  return {
    headers(c, sink) {
      const origin = c.req.header('origin');
      if (!allows(origin)) {
        if (!anyOrigin) put(sink, 'Vary', 'Origin');
        return;
      }
      put(sink, 'Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
      if (!anyOrigin) {
        put(sink, 'Vary', 'Origin');
        put(sink, 'Access-Control-Allow-Credentials', 'true');
      }
      if (!isPreflight(c)) put(sink, 'Access-Control-Expose-Headers', EXPOSED_HEADERS);
    },
    preflight(c) {
      if (!isPreflight(c) || !allows(c.req.header('origin'))) return undefined;
      c.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
      c.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    },
    withoutOrigin: anyOrigin ? [] : [['Vary', 'Origin']],
  };
}
