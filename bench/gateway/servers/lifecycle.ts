/** What every benchmark server process shares: its arguments, the ready line and a clean stop on signals. */
import { parseArgs } from 'node:util';
import { runtime } from '@streamhub/api/runtime-info';
import type { ReadyMessage } from '../protocol.ts';

export interface ServerArgs {
  /** Where the server writes its per-request log lines (servers without logging ignore it). */
  logFile: string | undefined;
  /** A scratch directory the server may use for its embedded database and keys. */
  dataDir: string | undefined;
  /** The PostgreSQL database every server reads (the prepare step creates it). */
  databaseUrl: string | undefined;
  /** Which app variant to build (ablation server only). */
  variant: string | undefined;
}

export function serverArgs(): ServerArgs {
  const { values } = parseArgs({
    options: {
      'log-file': { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      variant: { type: 'string' },
    },
    strict: true,
  });
  return {
    logFile: values['log-file'],
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
    variant: values.variant,
  };
}

const FLAGS = {
  logFile: '--log-file <path>',
  dataDir: '--data-dir <path>',
  databaseUrl: '--database-url <url>',
};

export function requireArg(args: ServerArgs, name: keyof typeof FLAGS): string {
  const value = args[name];
  if (!value) throw new Error(`${FLAGS[name]} is required`);
  return value;
}

export function announceReady(port: number): void {
  const message: ReadyMessage = { ready: true, port, runtime };
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits; a stop that hangs is cut short. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // On stderr, so that the orchestrator can tell a stop it did not ask for from a crash.
    console.error(`received ${signal}, stopping`);
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
