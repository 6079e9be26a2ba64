/**
 * Fails a request that takes longer than the configured time instead of holding the connection.
 *
 * One timer for all requests rather than one each (a `setTimeout`, a promise and a `Promise.race` per
 * request cost about 4 µs of 100: docs/benchmarks.md, Gateway). Every request has the same timeout, so
 * deadlines arrive in the order requests start: they wait in a FIFO queue, and the single timer is armed
 * for the oldest unfinished one. Finished requests are dropped from the head as new ones come in.
 */
import { AppError } from '@streamhub/errors/app-error';

interface Pending {
  deadline: number;
  done: boolean;
  fail: (error: AppError) => void;
  next: Pending | undefined;
}

/** Returns `track`: it settles as `work` does, or rejects with 503 `request_timeout` once `ms` have passed. */
export function requestDeadlines(ms: number): <T>(work: Promise<T>) => Promise<T> {
  let head: Pending | undefined;
  let tail: Pending | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const dropFinished = () => {
    while (head?.done) head = head.next;
    if (!head) tail = undefined;
  };
  const arm = () => {
    if (timer || !head) return;
    timer = setTimeout(expire, Math.max(0, head.deadline - performance.now()));
    // An idle gateway (or a test that made one) must not be kept alive by it.
    timer.unref?.();
  };
  function expire() {
    timer = undefined;
    const now = performance.now();
    while (head && (head.done || head.deadline <= now)) {
      if (!head.done) {
        head.done = true;
        head.fail(new AppError(503, 'request_timeout', `The request took longer than ${ms} ms.`));
      }
      head = head.next;
    }
    if (!head) tail = undefined;
    arm();
  }

  return <T>(work: Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      dropFinished();
      const entry: Pending = { deadline: performance.now() + ms, done: false, fail: reject, next: undefined };
      if (tail) tail.next = entry;
      else head = entry;
      tail = entry;
      arm();
      work.then(
        (value) => {
          entry.done = true;
          resolve(value);
        },
        (error: unknown) => {
          entry.done = true;
          reject(error);
        },
      );
    });
}
