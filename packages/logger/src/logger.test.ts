import { describe, expect, it } from 'vitest';
import { createLogger, withoutRedaction } from './logger.ts';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    name: 'test',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('redacts passwords, tokens and credential headers at the top level and one level down', () => {
    const { logger, lines } = capturingLogger();
    logger.info(
      {
        password: 'hunter2',
        token: 'tok-top',
        user: { email: 'a@example.com', password: 'hunter2' },
        session: { token: 'tok-nested' },
        headers: { authorization: 'Bearer abc', cookie: 'sid=1', accept: 'text/html' },
      },
      'login',
    );
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|tok-top|tok-nested|Bearer abc|sid=1/);
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      token: '[redacted]',
      user: { email: 'a@example.com', password: '[redacted]' },
      session: { token: '[redacted]' },
      headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'text/html' },
    });
  });

  it('keeps redacting on request children and on the root after a redaction-free child exists', () => {
    const { logger, lines } = capturingLogger();
    withoutRedaction(logger);
    logger.child({ reqId: 'r1' }).info({ body: { password: 'hunter2' } }, 'handler');
    logger.info({ password: 'hunter2' }, 'root');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(lines[0]).toMatchObject({ reqId: 'r1', body: { password: '[redacted]' } });
  });
});

describe('withoutRedaction', () => {
  it('writes fixed fields as given, with the root logger level, name, pid and time', () => {
    const { logger, lines } = capturingLogger();
    withoutRedaction(logger).info(
      { reqId: 'r1', method: 'GET', path: '/x', status: 200, ms: 1.5 },
      'request',
    );
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        pid: process.pid,
        name: 'test',
        reqId: 'r1',
        method: 'GET',
        path: '/x',
        status: 200,
        ms: 1.5,
        msg: 'request',
      },
    ]);
  });
});
