/** Runs one attempt of a job under its time limit; shared by both queue implementations. */
import { toError } from '../shared/timers.ts';
import { JobTimeoutError } from './port.ts';

/**
 * Calls `run` with an abort signal and settles with it, or rejects with a {@link JobTimeoutError}
 * after `timeoutMs`, or with the reason `controller` is aborted with (e.g. shutdown).
 *
 * A handler that ignores its signal keeps running after the attempt has failed (JavaScript cannot
 * stop it); whatever it settles with later is ignored rather than left as an unhandled rejection.
 */
export function runAttempt(
  run: (signal: AbortSignal) => Promise<void>,
  timeoutMs: number,
  controller: AbortController,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const signal = controller.signal;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => settle(toError(signal.reason ?? new Error('Job attempt aborted')));
    const timer = setTimeout(() => controller.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });

    let running: Promise<void>;
    try {
      running = run(signal);
    } catch (error) {
      settle(toError(error));
      return;
    }
    running.then(
      () => settle(undefined),
      (error: unknown) => settle(toError(error)),
    );
  });
}
