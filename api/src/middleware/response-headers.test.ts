/**
 * On Node the middleware's headers go onto the ServerResponse instead of through Hono's `Headers`
 * (response-headers.ts). What a client receives must not change: every header once, a route's own
 * value winning, a header a route lifts gone, on Node as through `app.request`.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { type Context, Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../context.ts';
import { serveOnNode } from '../server/node.ts';
import type { RunningServer } from '../server/types.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { corsPolicy } from './cors.ts';
import { dispatchThrough } from './dispatch.ts';
import { requestStart, startRequest } from './request-context.ts';
import { directHeaders, handOverRouteHeaders, removeEarlyHeader } from './response-headers.ts';
import { API_CONTENT_SECURITY_POLICY, securityHeaderList } from './security-headers.ts';
import { type Gateway, gatewayOnNode } from './testing/gateways.ts';

const ORIGIN = 'https://player.example';

let backends: TestBackends;
let server: RunningServer;
let app: Hono<AppEnv>;
beforeAll(async () => {
  backends = await createTestBackends('pglite');
  app = new Hono<AppEnv>();
  app.use(
    requestStart(backends.deps(), {
      securityHeaders: securityHeaderList({ https: false }),
      cors: corsPolicy([ORIGIN]),
    }),
  );
  app.get('/framed', (c) => {
    removeEarlyHeader(c, 'X-Frame-Options');
    c.header('Content-Security-Policy', 'frame-ancestors *');
    return c.html('<p>embed me</p>');
  });
  app.get('/data', (c) => c.json({ ok: true }));
  server = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
});
afterAll(async () => {
  await server.close();
  await backends.close();
});

describe.each([
  [
    'served by Node',
    (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server.port}${path}`, init),
  ],
  ['through app.request', (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init))],
])('headers set before the handler, %s', (_how, get) => {
  it('arrive once each beside the route’s own', async () => {
    const response = await get('/data', { headers: { Origin: ORIGIN, 'X-Request-Id': 'lb-7' } });
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-request-id')).toBe('lb-7');
    // A header set twice would arrive joined ("DENY, DENY").
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toBe(API_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('give way to a route’s own value, and go when a route lifts them', async () => {
    const response = await get('/framed');
    expect(await response.text()).toBe('<p>embed me</p>');
    expect(response.headers.get('content-security-policy')).toBe('frame-ancestors *');
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('the gateway on Node', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await gatewayOnNode({ CORS_ORIGINS: ORIGIN, RATE_LIMIT_MAX: '2' });
  });
  afterAll(() => gateway.stop());

  it('sends request id, security, CORS and rate-limit headers, also on its 429', async () => {
    const url = `http://127.0.0.1:${gateway.port}/api/v1/system/info`;
    const first = await fetch(url, { headers: { Origin: ORIGIN } });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers.get('x-frame-options')).toBe('DENY');
    expect(first.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(first.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    await fetch(url);
    const limited = await fetch(url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The pages' static files stay outside the per-address limit: the assets route answers, not the limiter.
    const asset = await fetch(`http://127.0.0.1:${gateway.port}/assets/no-such-file.js`);
    expect(asset.status).toBe(404);
  });
});

describe('a route’s own headers, moved into the response’s header store on Node', () => {
  let moved: RunningServer;
  let url: string;
  beforeAll(async () => {
    const app = new Hono<AppEnv>();
    // Made on the first request, once @hono/node-server has replaced the global Response.
    let shared: Response | undefined;
    app.get('/data', (c) => c.json({ ok: true }));
    app.get('/shared', (c) => {
      shared ??= c.json({ shared: true }, 200, { 'X-Shared': 'yes' });
      return shared;
    });
    app.get('/sized', (c) => c.body('abc', 200, { 'Content-Length': '3', 'X-Sized': 'yes' }));
    app.get('/problem', (c) =>
      c.json({ code: 'teapot' }, 418, { 'Content-Type': 'application/problem+json' }),
    );
    dispatchThrough(
      app,
      { onError: (error, c) => c.text(error.message, 500), onNotFound: (c) => c.text('none', 404) },
      {
        start: startRequest(backends.deps(), {
          securityHeaders: securityHeaderList({ https: false }),
          cors: corsPolicy([ORIGIN]),
        }),
        guard: (_c, run) => run(),
        finish: (c: Context<AppEnv>, res) => handOverRouteHeaders(c, res),
      },
    );
    moved = await serveOnNode({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 1000 });
    url = `http://127.0.0.1:${moved.port}`;
  });
  afterAll(() => moved.close());

  it('arrive once, beside the early headers, with the computed length', async () => {
    const response = await fetch(`${url}/data`, { headers: { Origin: ORIGIN } });
    expect(await response.text()).toBe('{"ok":true}');
    // A header stored twice would arrive joined ("application/json, application/json").
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('content-length')).toBe('11');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const problem = await fetch(`${url}/problem`);
    expect(problem.status).toBe(418);
    expect(problem.headers.get('content-type')).toBe('application/problem+json');
  });

  it('arrive on HEAD without a body, and every time a route answers with the same response', async () => {
    const head = await fetch(`${url}/data`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json');
    expect(await head.text()).toBe('');
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/shared`);
      expect(await response.json()).toEqual({ shared: true });
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('x-shared')).toBe('yes');
    }
  });

  it('are left to the adapter where it sets a length of its own', async () => {
    const response = await fetch(`${url}/sized`);
    expect(await response.text()).toBe('abc');
    expect(response.headers.get('content-length')).toBe('3');
    expect(response.headers.get('x-sized')).toBe('yes');
  });
});

describe('the header store the direct writer makes', () => {
  it('holds only what was put in, for every way Node reads and changes it', () => {
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    directHeaders(res).setHeader('X-Early', '1');
    // Nothing inherited: Node's own store has no prototype at all.
    expect(res.hasHeader('constructor')).toBe(false);
    expect(res.getHeader('toString')).toBeUndefined();
    expect(res.getHeader('x-early')).toBe('1');
    res.appendHeader('X-Early', '2');
    expect(res.getHeader('x-early')).toEqual(['1', '2']);
    res.setHeader('X-Late', '3');
    expect(res.getHeaderNames()).toEqual(['x-early', 'x-late']);
    res.removeHeader('X-Early');
    expect(res.getHeaders()).toEqual({ 'x-late': '3' });
  });
});
