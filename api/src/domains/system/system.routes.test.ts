import { SystemInfoSchema } from '@streamhub/contracts/system';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';

describe('GET /api/v1/system/info', () => {
  let backends: TestBackends;
  beforeAll(async () => {
    backends = await createTestBackends();
  });
  afterAll(() => backends.close());

  const info = async (env: Record<string, string>) => {
    const { app } = createApp(backends.deps(env));
    const response = await app.request('/api/v1/system/info');
    expect(response.status).toBe(200);
    return SystemInfoSchema.parse(await response.json());
  };

  it('tells clients the public URL and the RTMP server URL to publish to, without signing in', async () => {
    expect(await info({ PUBLIC_URL: 'https://live.example/', RTMP_PORT: '1936' })).toMatchObject({
      publicUrl: 'https://live.example',
      ingest: { rtmpUrl: 'rtmp://live.example:1936/live' },
    });
    expect(
      (await info({ PUBLIC_URL: 'https://live.example', RTMP_PUBLIC_URL: 'rtmps://ingest.example:443/live' }))
        .ingest,
    ).toEqual({ rtmpUrl: 'rtmps://ingest.example:443/live' });
  });
});
