/**
 * CPU time of this process's main thread (the gateway's event loop), from Linux's per-thread
 * `schedstat` (nanoseconds on a CPU). Unlike wall time it does not grow while a loaded machine keeps the
 * thread waiting for a core, so "how long did this hold the loop" can be compared across runs at
 * different loads. Undefined where there is no such file (not Linux).
 */
import { readFileSync } from 'node:fs';

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/** The main thread's CPU nanoseconds so far, or undefined off Linux. */
export function mainThreadCpuNs(): number | undefined {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/**
 * Watches the event loop with a 1 ms timer and records the main thread's CPU between two ticks: the
 * longest of these is the longest time one turn of the loop held the thread (what a request that
 * arrives meanwhile waits for, on a free core).
 */
export function watchLoopHolds(): { stop(): { longestMs: number; over: (ms: number) => number } } {
  const holds: number[] = [];
  let last = mainThreadCpuNs();
  const timer = setInterval(() => {
    const now = mainThreadCpuNs();
    if (now !== undefined && last !== undefined) holds.push((now - last) / 1e6);
    last = now;
  }, 1);
  return {
    stop: () => {
      clearInterval(timer);
      return {
        longestMs: holds.reduce((longest, hold) => Math.max(longest, hold), 0),
        over: (ms) => holds.filter((hold) => hold > ms).length,
      };
    },
  };
}
