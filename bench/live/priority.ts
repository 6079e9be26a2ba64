/**
 * Scheduling priority of the measured processes. The bench machine is shared with other engineers'
 * type-checks and test suites that keep both cores busy; at the same priority a 1-core live pipeline
 * gets a fluctuating share and falls behind live, which measures the neighbours rather than the
 * pipeline. Both setups, the publisher and the orchestrator run at the same raised priority
 * (`--nice`, default −10; root only), so they behave closer to a dedicated media machine while the
 * CPU seconds they use stay what they are.
 */
import { setPriority } from 'node:os';

/** `nice -n <n> command …` when n ≠ 0: the process and everything it starts run at that niceness (same pid: nice execs). */
export function withNice(nice: number, command: string, args: string[]): [string, string[]] {
  return nice === 0 ? [command, args] : ['nice', ['-n', String(nice), command, ...args]];
}

/** Raises this process's priority (its main thread and the threads it starts later); false if not allowed. */
export function niceSelf(nice: number): boolean {
  if (nice === 0) return true;
  try {
    setPriority(nice);
    return true;
  } catch {
    return false;
  }
}
