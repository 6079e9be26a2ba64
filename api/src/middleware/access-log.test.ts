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
    // The gateway's logger takes the precompiled access line: no child at all, not even one for the log.
    expect(child).not.toHaveBeenCalled();
  });

  it('writes the access line byte for byte as pino writes the same fields', async () => {
    const raw: string[] = [];
    const logger = createLogger({
      level: 'info',
      name: 'gateway',
      destination: { write: (line: string) => raw.push(line) },
    });
    const { app } = createApp(backends.deps({ LOG_LEVEL: 'info' }, { logger }));
    // A 200, a 404 whose path needs JSON escaping, a caller's request id, and a caller's id that JSON
    // would escape (replaced by one the gateway makes: the line writes ids unescaped).
    await app.request('/healthz', { headers: { 'X-Request-Id': 'lb-7' } });
    await app.request('/no/%22quoted%22/%5Cslash/%C3%A9t%C3%A9');
    await app.request('/healthz', { headers: { 'X-Request-Id': 'quote"and\\backslash' } });
    expect(raw).toHaveLength(3);
    for (const line of raw) {
      const { reqId, method, path, status, ms, time } = JSON.parse(line) as Record<string, unknown>;
      const reference: string[] = [];
      const pinoLogger = createLogger({
        level: 'info',
        name: 'gateway',
        destination: { write: (text: string) => reference.push(text) },
      });
      pinoLogger.info({ reqId, method, path, status, ms }, 'request');
      const withTime = (text: string | undefined) =>
        text?.replace(/"time":"[^"]*"/, `"time":"${String(time)}"`);
      expect(line).toBe(withTime(reference[0]));
    }
    expect(JSON.parse(raw[1] ?? '{}')).toMatchObject({ status: 404 });
  });
});
