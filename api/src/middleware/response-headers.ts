/**
 * Headers the middleware sets on every response before the handler runs (request id, security, CORS,
 * rate limit). Under @hono/node-server they go straight onto Node's `ServerResponse`: `writeHead`
 * merges them with the response's own headers, which win on a clash. Hono then builds no web `Headers`
 * for a plain JSON answer and @hono/node-server converts none back: that round trip, one validated
 * `Headers.set` per header and a copy per response, was the largest cost of the stack on Node
 * (docs/benchmarks.md, Gateway). On Bun and in `app.request` they go through `c.header()` as before.
 */
import { IncomingMessage, ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http';
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
 * The prototype of the stores made here: empty and without a prototype of its own, so that nothing is
 * inherited (`hasHeader('constructor')` stays false), as with Node's `{ __proto__: null }`. Node's own
 * store is a dictionary-mode object, which grows and rehashes as the eighteen headers of a response
 * go in and is sorted for every `for…in` of `_storeHeader`; an object with a prototype stays a fast
 * object whose shape V8 reuses from one response to the next, since the headers go in in the same
 * order every time.
 */
const STORE_PROTOTYPE: object = Object.create(null);

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
    store = Object.create(STORE_PROTOTYPE) as HeaderStore;
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

/**
 * @hono/node-server's record of a light response (`[status, body, headers]`, which it writes without
 * building a web `Response`), found once on a throwaway response made after it replaced the global
 * `Response`; null where there is no such record (Bun, `overrideGlobalObjects: false`, another version).
 */
let lightRecordSymbol: symbol | null | undefined;
const lightRecordOf = (res: Response): unknown[] | undefined => {
  if (lightRecordSymbol === undefined) {
    const headers = { 'X-Probe': 'a' };
    const probe = new Response('b', { status: 201, headers });
    const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'cache');
    const record = symbol && (probe as unknown as Record<symbol, unknown>)[symbol];
    const expected = Array.isArray(record) && record[0] === 201 && record[1] === 'b' && record[2] === headers;
    lightRecordSymbol = expected ? (symbol as symbol) : null;
  }
  if (lightRecordSymbol === null) return undefined;
  const record = (res as unknown as Record<symbol, unknown>)[lightRecordSymbol];
  return Array.isArray(record) && (record.length === 3 || record.length === 4) ? record : undefined;
};

// Headers @hono/node-server handles itself (the length it computes, chunked bodies): left to it.
const WRITER_HEADERS = new Set(['content-length', 'transfer-encoding', 'trailer']);
// Route headers already found valid, by name: a few constants in practice (the JSON, problem+json and
// HTML content types), so the check is made once, not per response.
const validated = new Map<string, Set<string>>();
const isValid = (name: string, value: string): boolean => {
  const known = validated.get(name);
  if (known?.has(value)) return true;
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch {
    return false; // left to writeHead, which rejects it as before
  }
  if (known) {
    if (known.size < 16) known.add(value);
  } else if (validated.size < 64) validated.set(name, new Set([value]));
  return true;
};

/**
 * On Node, moves the headers of a light answer (a route's `c.json()`, `c.html()`, … with no header
 * set through `c.header()`: Hono hands @hono/node-server a plain object) into the response's header
 * store, where the early headers already are. `writeHead` would otherwise store them one `setHeader`
 * at a time, each name lower-cased into a new key and both checked by regular expressions: for the
 * plain route's one `Content-Type` that was about 4 % of the gateway's CPU on Node (docs/benchmarks.md,
 * Gateway). The route's value still wins over an early header of the same name, as with `setHeader`;
 * the answer's web headers are not read after this (the adapter writes the record). The moved headers
 * stay on the record, after the three entries the adapter reads, for a response answered again. Anything
 * unusual (no record, a `Headers` object, a non-string value, an invalid or length-related header)
 * stays as it was, for `writeHead`.
 */
export function handOverRouteHeaders(c: Context, res: Response): void {
  const outgoing = nodeResponse(c);
  if (outgoing === undefined || outHeadersSymbol === undefined || outgoing.headersSent) return;
  const record = lightRecordOf(res);
  if (record === undefined) return;
  const headers = record.length === 4 ? record[3] : record[2];
  if (typeof headers !== 'object' || headers === null) return;
  if (Object.getPrototypeOf(headers) !== Object.prototype) return;
  const fields = headers as Record<string, unknown>;
  for (const name in fields) {
    const value = fields[name];
    if (typeof value !== 'string' || WRITER_HEADERS.has(lowerName(name)) || !isValid(name, value)) return;
  }
  const target = directHeaders(outgoing);
  for (const name in fields) target.setHeader(name, fields[name] as string);
  record[2] = {};
  record[3] = headers;
}

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
