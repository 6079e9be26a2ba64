/**
 * A module's background sweep: one pass now and one every `intervalMs`, never two at once. Each pass
 * resolves to how many things it handled; a pass that handled some is logged, one that failed is logged
 * as an error and the next pass tries again.
 */
import type { Logger } from '@streamhub/logger/logger';

export interface SweepLog {
  /** The log message of a pass that handled something, e.g. "subscriptions expired". */
  done: string;
  /** The log message of a failed pass. */
  failed: string;
  /** The log field that carries how many a pass handled. */
  count: string;
}

export function startPeriodicSweep(
  pass: () => Promise<number>,
  logger: Pick<Logger, 'info' | 'error'>,
  log: SweepLog,
  intervalMs: number,
): () => void {
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    pass()
      .then(
        (handled) => {
          if (handled > 0) logger.info({ [log.count]: handled }, log.done);
        },
        (error: unknown) => logger.error({ err: error }, log.failed),
      )
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  sweep();
  return () => clearInterval(timer);
}
