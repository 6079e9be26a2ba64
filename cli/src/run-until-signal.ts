/** Keeps a server process up until SIGTERM/SIGINT, then stops it gracefully and exits 0. */
import type { Logger } from '@streamhub/logger/logger';

interface Stoppable {
  close(): Promise<void>;
}

export async function runUntilSignal(logger: Logger, service: Stoppable): Promise<never> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  // A second signal means the operator will not wait.
  const force = () => process.exit(1);
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await service.close();
  logger.info('stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  process.exit(0);
}
