import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';
import { ReadinessSchema, SystemInfoSchema } from '@streamhub/contracts/system';
import { UnsupportedPathError } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createTestBackends, type TestBackends } from './testing/test-deps.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  return ProblemSchema.parse(await response.json());
}

interface RouteEntry {
  method: string;
  path: string;
}

function acceptedTogether(routes: RouteEntry[]): boolean {
  const router = new RegExpRouter<null>();
  try {
    for (const { method, path } of routes) router.add(method, path, null);
    router.match('GET', '/');
    return true;
  } catch (error) {
    if (error instanceof UnsupportedPathError) return false;
    throw error;
  }
}

/**
 * Every clash that keeps RegExpRouter from holding the route set, as `METHOD /common/prefix/{a | b}`
 * where `a` and `b` are the segments that differ. Hono only names the first path it rejects.
 */
function regExpRouterClashes(routes: readonly RouteEntry[]): string[] {
  const unique = [...new Map(routes.map((route) => [`${route.method} ${route.path}`, route])).values()];
  const clashes = new Set<string>();
  for (const [index, a] of unique.entries()) {
    for (const b of unique.slice(index + 1)) {
      if (a.path === b.path || acceptedTogether([a, b])) continue;
      const [left, right] = [a.path.split('/'), b.path.split('/')];
      let at = 0;
      while (left[at] === right[at]) at++;
      const method = a.method === 'ALL' ? b.method : a.method;
      clashes.add(`${method} ${left.slice(0, at).join('/')}/{${[left[at], right[at]].sort().join(' | ')}}`);
    }
  }
  return [...clashes].sort();
}

// RegExpRouter matches all routes of a method with one regular expression, so it rejects a segment
// that is a literal in one route and a parameter in another (honojs/hono#1140); then SmartRouter
// serves every request with TrieRouter (docs/benchmarks.md, Gateway). Issue 19 reshaped the last of
// them (`/api/v1/me`, one `/vod` and one `/watch` route): add none.
const KNOWN_ROUTER_CLASHES: string[] = [];

let backends: TestBackends;
beforeAll(async () => {
  backends = await createTestBackends();
});
afterAll(() => backends.close());
const testDeps: TestBackends['deps'] = (env, overrides) => backends.deps(env, overrides);

describe('gateway app', () => {
  it('answers /healthz with request id and security headers', async () => {
    const { app } = createApp(testDeps());
    const response = await app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('keeps a plain caller request id and replaces an unsafe one', async () => {
    const { app } = createApp(testDeps());
    const kept = await app.request('/healthz', { headers: { 'X-Request-Id': 'lb-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc');
    const replaced = await app.request('/healthz', { headers: { 'X-Request-Id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(UUID);
  });

  it('renders an unknown route as problem+json 404 carrying the request id', async () => {
    const { app } = createApp(testDeps());
    const response = await app.request('/api/v1/nope');
    expect(response.status).toBe(404);
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ status: 404, code: 'not_found', instance: '/api/v1/nope' });
    expect(problem.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('renders an unexpected exception as a 500 without internals', async () => {
    const deps = testDeps(
      {},
      {
        remoteAddress: () => {
          throw new TypeError('socket vanished in server.ts');
        },
      },
    );
    const { app } = createApp(deps);
    const response = await app.request('/api/v1/system/info');
    expect(response.status).toBe(500);
    const problem = await problemOf(response);
    expect(problem.code).toBe('internal_error');
    expect(JSON.stringify(problem)).not.toMatch(/TypeError|socket vanished|server\.ts/);
  });

  it('reports readiness of every dependency and 503 when one fails', async () => {
    const ready = createApp(testDeps({}, { readiness: [{ name: 'database', check: async () => {} }] })).app;
    const ok = await ready.request('/readyz');
    expect(ok.status).toBe(200);
    expect(ReadinessSchema.parse(await ok.json())).toMatchObject({
      status: 'ready',
      checks: [{ name: 'database', ok: true }],
    });

    const failing = createApp(
      testDeps(
        {},
        {
          readiness: [
            { name: 'database', check: async () => {} },
            { name: 'redis', check: () => Promise.reject(new Error('connection refused')) },
          ],
        },
      ),
    ).app;
    const down = await failing.request('/readyz');
    expect(down.status).toBe(503);
    const body = ReadinessSchema.parse(await down.json());
    expect(body.status).toBe('not_ready');
    expect(body.checks.find((c) => c.name === 'redis')).toMatchObject({
      ok: false,
      error: 'connection refused',
    });
  });

  it('serves system info', async () => {
    const { app } = createApp(testDeps());
    const info = SystemInfoSchema.parse(await (await app.request('/api/v1/system/info')).json());
    expect(info).toMatchObject({
      name: 'streamhub',
      runtime: 'node',
      drivers: { database: 'pglite', infra: 'memory' },
    });
  });

  it('allows CORS only for configured origins and answers preflights', async () => {
    const { app } = createApp(testDeps({ CORS_ORIGINS: 'https://player.example' }));
    const allowed = await app.request('/api/v1/system/info', {
      headers: { Origin: 'https://player.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://player.example');
    expect(allowed.headers.get('vary')).toBe('Origin');

    const denied = await app.request('/api/v1/system/info', { headers: { Origin: 'https://evil.example' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await app.request('/api/v1/system/info', {
      method: 'OPTIONS',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    // Browser uploaders speak tus across origins: its headers must pass both ways.
    const tus = await app.request('/api/v1/uploads', {
      method: 'OPTIONS',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'PATCH' },
    });
    expect(tus.headers.get('access-control-allow-headers')).toContain('Upload-Offset');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Upload-Offset');
  });

  it('rate-limits per client with problem+json 429 and Retry-After, never the probes', async () => {
    const { app } = createApp(testDeps({ RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' }));
    const first = await app.request('/api/v1/system/info');
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    await app.request('/api/v1/system/info');
    const limited = await app.request('/api/v1/system/info');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await problemOf(limited)).code).toBe('rate_limited');
    for (let i = 0; i < 5; i++) expect((await app.request('/healthz')).status).toBe(200);
  });

  it('keys the rate limit on X-Forwarded-For only behind a trusted proxy', async () => {
    const untrusted = createApp(testDeps({ RATE_LIMIT_MAX: '1' })).app;
    await untrusted.request('/api/v1/system/info', { headers: { 'X-Forwarded-For': '10.0.0.1' } });
    const spoofed = await untrusted.request('/api/v1/system/info', {
      headers: { 'X-Forwarded-For': '10.0.0.2' },
    });
    expect(spoofed.status).toBe(429);

    const trusted = createApp(testDeps({ RATE_LIMIT_MAX: '1', TRUST_PROXY: 'true' })).app;
    await trusted.request('/api/v1/system/info', { headers: { 'X-Forwarded-For': '10.0.0.1' } });
    const other = await trusted.request('/api/v1/system/info', {
      headers: { 'X-Forwarded-For': '10.0.0.2, 10.9.9.9' },
    });
    expect(other.status).toBe(200);
  });

  it('protects /metrics with METRICS_TOKEN and exposes request counts by route', async () => {
    const token = 'a-metrics-token-of-length';
    const { app } = createApp(testDeps({ METRICS_TOKEN: token }));
    await app.request('/api/v1/system/info');
    await app.request('/api/v1/definitely/unknown');
    const refused = await app.request('/metrics');
    expect(refused.status).toBe(401);
    expect((await problemOf(refused)).code).toBe('unauthorized');

    const metrics = await app.request('/metrics', { headers: { Authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain(
      'streamhub_http_requests_total{method="GET",route="/api/v1/system/info",status="200"} 1',
    );
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).toContain('streamhub_http_request_duration_seconds_bucket');
  });

  it('publishes an OpenAPI 3.1 document with an operationId on every operation', async () => {
    const { app } = createApp(testDeps());
    const response = await app.request('/openapi.json');
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/api/v1/system/info']),
    );
    for (const operations of Object.values(doc.paths)) {
      for (const operation of Object.values(operations)) expect(operation.operationId).toBeTruthy();
    }
  });

  it('documents the bearer requirement on every route behind the auth guard', async () => {
    const { app } = createApp(testDeps());
    type Operation = {
      operationId: string;
      security?: unknown[];
      responses: Record<string, { description: string }>;
    };
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, { scheme: string }> };
    };
    expect(doc.components.securitySchemes.bearerAuth?.scheme).toBe('bearer');
    const guarded = Object.values(doc.paths)
      .flatMap((operations) => Object.values(operations))
      .filter((operation) => /access token/i.test(operation.responses['401']?.description ?? ''));
    expect(guarded.map((o) => o.operationId)).toEqual(
      expect.arrayContaining(['logout', 'getCurrentSession']),
    );
    for (const operation of guarded)
      expect(operation.security, operation.operationId).toEqual([{ bearerAuth: [] }]);
  });

  it('routes with RegExpRouter: no route clashes with another', async () => {
    const { app } = createApp(testDeps());
    await app.request('/healthz');
    const clashes = regExpRouterClashes(app.routes);
    expect(clashes, 'a literal segment beside a parameter of the same method').toEqual(KNOWN_ROUTER_CLASHES);
    expect(app.router).toBeInstanceOf(SmartRouter);
    const { activeRouter } = app.router as SmartRouter<unknown>;
    expect(activeRouter.name, clashes.join(', ')).toBe('RegExpRouter');
  });
});
