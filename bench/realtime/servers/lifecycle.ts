/**
 * What every benchmark server process shares: the ready line, a clean stop on signals or orphaning,
 * and the orchestrator's one request, a full garbage collection before it reads the RSS (so that
 * per-connection memory is not blurred by garbage the join storm left behind).
 */
import { createInterface } from 'node:readline';
import { runtime } from '@streamhub/api/runtime-info';
import { type GcDone, isServerCommand, type ServerReady } from '../protocol.ts';

export function announceReady(port: number): void {
  const message: ServerReady = { ready: true, port, runtime };
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/**
 * Runs `stop` once on SIGTERM or SIGINT, or when stdin closes (the orchestrator died without killing
 * us: a server holding thousands of sockets must not outlive it), then exits.
 */
export function stopWhenTold(stop: () => Promise<void>): void {
  let stopping = false;
  const onStop = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${why}, stopping`);
    setTimeout(() => process.exit(1), 5_000).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onStop('received SIGTERM'));
  process.on('SIGINT', () => onStop('received SIGINT'));
  process.stdin.on('error', () => onStop('stdin failed'));
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    let command: unknown;
    try {
      command = JSON.parse(line);
    } catch {
      return;
    }
    if (isServerCommand(command) && command.cmd === 'gc') {
      collectGarbage();
      const usage = process.memoryUsage();
      const done: GcDone = { gcDone: true, liveBytes: usage.heapUsed + usage.external };
      process.stdout.write(`${JSON.stringify(done)}\n`);
    }
  });
  input.on('close', () => onStop('stdin closed'));
}

function collectGarbage(): void {
  const bun = globalThis.Bun;
  if (bun) {
    bun.gc(true);
    return;
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start Node with --expose-gc');
  gc();
}
