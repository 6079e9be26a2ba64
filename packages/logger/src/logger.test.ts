import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

describe('createLogDestination', () => {
  // A child process logs lines with multibyte text, many 16 KiB writes' worth, to a descriptor (as
  // production does to stdout) and exits at once: pino must flush the pending batches synchronously
  // on exit, whole and in order.
  const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
  const lineCount = 5_000;
  const script = `
    const { openSync } = await import('node:fs');
    const { createLogger, createLogDestination } = await import(${JSON.stringify(logger)});
    const destination = createLogDestination(openSync(process.argv.at(-1), 'w'));
    const log = createLogger({ level: 'info', name: 'child', destination });
    for (let seq = 0; seq < ${lineCount}; seq += 1) log.info({ seq, text: 'café ☕ '.repeat(seq % 40) }, 'line');
    process.exit(0);
  `;
  const runtimes: [string, string[]][] = [
    ['node', [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script]],
    ['bun', ['bun', '-e', script]],
  ];

  it.each(runtimes)('on %s, writes every line whole and in order, flushed on exit', (_, command) => {
    const directory = mkdtempSync(join(tmpdir(), 'logger-test-'));
    try {
      const file = join(directory, 'out.log');
      const [executable = '', ...args] = command;
      const child = spawnSync(executable, [...args, file], { encoding: 'utf8', timeout: 60_000 });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.seq)).toEqual(Array.from({ length: lineCount }, (_, seq) => seq));
      expect(lines[39]).toMatchObject({ msg: 'line', text: 'café ☕ '.repeat(39) });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
