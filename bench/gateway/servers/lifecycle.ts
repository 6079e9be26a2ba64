/** What every benchmark server process shares: its arguments, the ready line and a clean stop on signals. */
import { parseArgs } from 'node:util';
import { runtime } from '@streamhub/api/runtime-info';
import type { ReadyMessage } from '../protocol.ts';

export interface ServerArgs {
  /** Where the server writes its per-request log lines (servers without logging ignore it). */
  logFile: string | undefined;
  /** Which app variant to build (ablation server only). */
  variant: string | undefined;
}

export function serverArgs(): ServerArgs {
  const { values } = parseArgs({
    options: { 'log-file': { type: 'string' }, variant: { type: 'string' } },
    strict: true,
  });
  return { logFile: values['log-file'], variant: values.variant };
}

export function requireLogFile(args: ServerArgs): string {
  if (!args.logFile) throw new Error('--log-file <path> is required');
  return args.logFile;
}

export function announceReady(port: number): void {
  const message: ReadyMessage = { ready: true, port, runtime };
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits; a stop that hangs is cut short. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 5_000).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
