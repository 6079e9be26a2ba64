/**
 * Headers the middleware sets on every response before the handler runs (request id, security, CORS,
 * rate limit). Under @hono/node-server they go straight onto Node's `ServerResponse`: `writeHead`
 * merges them with the response's own headers, which win on a clash. Hono then builds no web `Headers`
 * for a plain JSON answer and @hono/node-server converts none back: that round trip, one validated
 * `Headers.set` per header and a copy per response, was the largest cost of the stack on Node
 * (docs/benchmarks.md, Gateway). On Bun and in `app.request` they go through `c.header()` as before.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';

/** The Node response of a request served by @hono/node-server; undefined on Bun and in `app.request`. */
export const nodeResponse = (c: Context): ServerResponse | undefined =>
  (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;

export function setEarlyHeader(c: Context, name: string, value: string): void {
  const outgoing = nodeResponse(c);
  if (outgoing) outgoing.setHeader(name, value);
  else c.header(name, value);
}

/** Removes a header set early (e.g. a page that lifts `X-Frame-Options`), wherever it was set. */
export function removeEarlyHeader(c: Context, name: string): void {
  nodeResponse(c)?.removeHeader(name);
  c.header(name, undefined);
}
