/**
 * Headers the middleware sets on every response before the handler runs (request id, security, CORS,
 * rate limit). Under @hono/node-server they go straight onto Node's `ServerResponse`: `writeHead`
 * merges them with the response's own headers, which win on a clash. Hono then builds no web `Headers`
 * for a plain JSON answer and @hono/node-server converts none back: that round trip, one validated
 * `Headers.set` per header and a copy per response, was the largest cost of the stack on Node
 * (docs/benchmarks.md, Gateway). On Bun and in `app.request` they go through `c.header()` as before.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Context } from 'hono';

/** The Node response of a request served by @hono/node-server; undefined on Bun and in `app.request`. */
export const nodeResponse = (c: Context): ServerResponse | undefined =>
  (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;

/** Something that takes a response header: Node's `ServerResponse` or `directHeaders`' writer. */
export interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

type HeaderStore = Record<string, [string, string]>;

/**
 * Node's own store of a response's headers (`kOutHeaders`: lower-case name → `[name, value]`, what
 * `setHeader` fills and `writeHead` reads), found once and checked on a throwaway response: if this
 * Node keeps its headers any other way the symbol is not used and `setHeader` is.
 */
const outHeadersSymbol = ((): symbol | undefined => {
  let probe: ServerResponse;
  try {
    probe = new ServerResponse(new IncomingMessage(new Socket()));
  } catch {
    return undefined; // a runtime whose node:http is not Node's (Bun): it never serves through here
  }
  const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders');
  if (!symbol) return undefined;
  const holder = probe as unknown as Record<symbol, unknown>;
  if (holder[symbol] !== null) return undefined;
  probe.setHeader('X-Probe', 'a');
  const store = holder[symbol] as HeaderStore | null;
  const entry = store?.['x-probe'];
  return Array.isArray(entry) && entry[0] === 'X-Probe' && entry[1] === 'a' ? symbol : undefined;
})();

/**
 * A writer of headers straight into `outgoing`'s header store, as `setHeader` stores them but without
 * its two regular-expression checks of every name and value: on the plain route those checks for the
 * fourteen early headers were about 7 % of the gateway's CPU on Node (docs/benchmarks.md, Gateway).
 * Only for names and values known to be valid: constants, a checked request id, an origin from the
 * configured list, numbers. Falls back to `outgoing` itself (validating) where the store is not known.
 */
export function directHeaders(outgoing: ServerResponse): HeaderTarget {
  if (outHeadersSymbol === undefined || outgoing.headersSent) return outgoing;
  const holder = outgoing as unknown as Record<symbol, HeaderStore | null>;
  let store = holder[outHeadersSymbol];
  if (store == null) {
    store = Object.create(null) as HeaderStore;
    holder[outHeadersSymbol] = store;
  }
  // A fresh pair per header: `appendHeader` appends to a stored pair's value in place.
  const into = store;
  return {
    setHeader(name: string, value: string) {
      into[lowerName(name)] = [name, value];
    },
  };
}

// The early headers' names are a few constants: their lower-case forms are kept rather than made (and
// hashed as new property keys) per header and request.
const lowerNames = new Map<string, string>();
const lowerName = (name: string): string => {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < 64) lowerNames.set(name, lower);
  }
  return lower;
};

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
