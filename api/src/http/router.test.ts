import { createRoute, z } from '@hono/zod-openapi';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';
import { UNSTORABLE_TEXT_MESSAGE } from '@streamhub/contracts/text';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import type { AppEnv } from '../context.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';
import { onError } from './error-handler.ts';
import { jsonBody } from './responses.ts';
import { createRouter } from './router.ts';

async function refused(response: Response): Promise<{ path: string; message: string }[]> {
  expect(response.status).toBe(422);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(await response.json());
  expect(problem.code).toBe('validation_failed');
  return problem.errors ?? [];
}

const unstorable = (path: string) => ({ path, message: UNSTORABLE_TEXT_MESSAGE });

describe("the routers' validation hook", () => {
  // A route whose schema forgot the shared text schema, and lets unknown keys through.
  const router = createRouter().openapi(
    createRoute({
      method: 'post',
      path: '/echo',
      request: {
        query: z.object({ q: z.string().optional() }),
        body: jsonBody(z.looseObject({ name: z.string() })),
      },
      responses: { 200: { description: 'echo' } },
    }),
    (c) => c.json(c.req.valid('json'), 200),
  );
  const app = new Hono<AppEnv>().route('/', router);
  app.onError(onError);
  const post = (body: string, query = '') =>
    app.request(`/echo${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('refuses unstorable text a schema let through, unknown keys and query values included', async () => {
    expect(await refused(await post('{"name":"a\\u0000b"}'))).toEqual([unstorable('body.name')]);
    expect(await refused(await post('{"name":"ok","extra":{"deep":["\\ud800"]}}'))).toEqual([
      unstorable('body.extra.deep.0'),
    ]);
    expect(await refused(await post('{"name":"ok"}', '?q=a%00b'))).toEqual([unstorable('query.q')]);
    const fine = await post('{"name":"Café 🎥","extra":"\\u0085"}');
    expect(fine.status).toBe(200);
  });
});

describe('JSON bodies through the real app', () => {
  let backends: TestBackends;
  let app: GatewayApp;
  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    app = createApp(backends.deps()).app;
  });
  afterAll(() => backends.close());

  const login = (body: string) =>
    app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    });

  it('are refused field by field, by the schema or by the hook', async () => {
    expect(await refused(await login('{"email":"a\\u0000@x.test","password":"x"}'))).toEqual([
      unstorable('body.email'),
    ]);
    expect(await refused(await login('{"email":"a@x.test","password":"\\ud800"}'))).toEqual([
      unstorable('body.password'),
    ]);
    // An unknown key: the schema drops it, the hook still refuses it.
    expect(
      await refused(await login('{"email":"a@x.test","password":"x","extra":["ok","\\u0000"]}')),
    ).toEqual([unstorable('body.extra.1')]);
    const malformed = await login('{"email":');
    expect(malformed.status).toBe(400);
    expect(ProblemSchema.parse(await malformed.json()).code).toBe('malformed_json');
  });
});
