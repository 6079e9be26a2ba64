import { createLogger } from '@streamhub/logger/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let backends: TestBackends;
beforeAll(async () => {
  backends = await createTestBackends();
});
afterAll(() => backends.close());

/** The real app with an info-level logger whose lines are kept, parsed, in `lines`. */
function appWithCapturedLog(overrides: Parameters<TestBackends['deps']>[1] = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    name: 'gateway',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const { app } = createApp(backends.deps({ LOG_LEVEL: 'info' }, { logger, ...overrides }));
  return { app, lines, logger };
}

describe('access log', () => {
  it('writes one line per request with the request id, method, path, status, duration and ISO time', async () => {
    const { app, lines } = appWithCapturedLog();
    const response = await app.request('/healthz?probe=1', { headers: { 'X-Request-Id': 'lb-42' } });
    expect(response.status).toBe(200);

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(Object.keys(line ?? {})).toEqual([
      'level',
      'time',
      'pid',
      'name',
      'reqId',
      'method',
      'path',
      'status',
      'ms',
      'msg',
    ]);
    expect(line).toMatchObject({
      level: 'info',
      pid: process.pid,
      name: 'gateway',
      reqId: 'lb-42',
      method: 'GET',
      path: '/healthz',
      status: 200,
      msg: 'request',
    });
    expect(line?.time).toMatch(ISO_TIME);
    expect(line?.ms).toBeTypeOf('number');
  });

  it('logs a 5xx at error level, after the handler failure logged under the same request id', async () => {
    const { app, lines } = appWithCapturedLog({
      remoteAddress: () => {
        throw new TypeError('socket vanished');
      },
    });
    const response = await app.request('/api/v1/system/info');
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id');

    expect(lines.map((line) => [line.level, line.msg, line.reqId])).toEqual([
      ['error', 'request failed', requestId],
      ['error', 'request', requestId],
    ]);
    expect(lines[0]?.err).toMatchObject({ type: 'TypeError', message: 'socket vanished' });
  });

  it('creates no logger per request when handlers do not log', async () => {
    const { app, lines, logger } = appWithCapturedLog();
    const child = vi.spyOn(logger, 'child');
    for (let i = 0; i < 5; i++) expect((await app.request('/healthz')).status).toBe(200);

    expect(lines).toHaveLength(5);
    // The one child is the access log's own, built on its first request.
    expect(child).toHaveBeenCalledTimes(1);
  });
});
