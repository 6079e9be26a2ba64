/**
 * Scheduling priority of the measured processes. The bench machine is shared with other engineers'
 * type-checks and test suites that keep both cores busy; at the same priority a 1-core live pipeline
 * gets a fluctuating share and falls behind live, which measures the neighbours rather than the
 * pipeline. The orchestrator raises its own priority (`--nice`, default −10; root only) before it
 * starts anything, and every process it starts (both setups, their ffmpeg children, the publisher)
 * inherits it, so both setups run alike and closer to a dedicated media machine, while the CPU
 * seconds they use stay what they are.
 */
import { setPriority } from 'node:os';

/** Sets this process's niceness (Linux: its main thread, which spawns the children); false if not allowed. */
export function niceSelf(nice: number): boolean {
  if (nice === 0) return true;
  try {
    setPriority(nice);
    return true;
  } catch {
    return false;
  }
}
