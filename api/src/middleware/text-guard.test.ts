import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';

async function refusedFields(response: Response): Promise<string[]> {
  expect(response.status).toBe(422);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(await response.json());
  expect(problem.code).toBe('validation_failed');
  return (problem.errors ?? []).map((error) => error.path);
}

// The routes outside the OpenAPI document (unstorable-text.test.ts walks those) and the edge cases of
// decoding, on the database that refuses NUL.
describe.each(testDatabases())('the text guard on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps({ RATE_LIMIT_MAX: '100000' })).app;
  });
  afterAll(() => backends.close());

  it('refuses a NUL in the path of every route, documented or not', async () => {
    for (const path of [
      '/hls/a%00b/master.m3u8',
      '/vod/a%00b/master.m3u8',
      '/watch/a%00b',
      '/watch/v/a%00b',
      '/api/v1/channels/a%00b/thumbnail.jpg',
      '/media/avatars/a%00b.webp',
      '/api/v1/uploads/a%00b',
      // Hono cannot decode this path as a whole (%FF), but would still decode the parameter alone.
      '/api/v1/channels/a%00%FF',
    ]) {
      expect(await refusedFields(await app.request(path)), path).toEqual(['path']);
    }
  });

  it('names the query parameter, and refuses a NUL in a key', async () => {
    expect(await refusedFields(await app.request('/api/v1/videos?q=a%00b&tag=ok'))).toEqual(['query.q']);
    expect(await refusedFields(await app.request('/api/v1/videos?a%00=1'))).toEqual(['query']);
    // A literal "%00" (sent as %2500) is plain text, as is anything Hono leaves undecoded.
    expect((await app.request('/api/v1/videos?q=100%2500')).status).toBe(200);
    expect((await app.request('/api/v1/videos?q=%00%FF')).status).toBe(200);
  });
});
