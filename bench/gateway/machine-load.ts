/**
 * Whole-machine CPU use, from Linux `/proc/stat`. The bench machine is shared, so a run records how much
 * CPU other processes took meanwhile and waits for a quiet machine before it measures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Busy and total CPU seconds of all cores since boot (100 ticks/s). */
export interface CpuTimes {
  busy: number;
  total: number;
}

export function machineCpuTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait are the fourth and fifth fields.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** Busy cores over a wall-clock interval, e.g. 1.4 of 2. */
export const busyCores = (before: CpuTimes, after: CpuTimes, wallSeconds: number) =>
  (after.busy - before.busy) / wallSeconds;

/**
 * Waits until the machine has been nearly idle (at most `maxBusyCores` busy) over one sampling
 * interval, or gives up after `maxWaitMs`. Resolves with the busy cores last seen.
 */
export async function waitForQuiet(options: {
  maxBusyCores: number;
  maxWaitMs: number;
  onWait?: (busy: number) => void;
}): Promise<number> {
  const deadline = Date.now() + options.maxWaitMs;
  const sampleMs = 1_000;
  for (let first = true; ; first = false) {
    const before = machineCpuTimes();
    await sleep(sampleMs);
    const busy = busyCores(before, machineCpuTimes(), sampleMs / 1000);
    if (busy <= options.maxBusyCores || Date.now() >= deadline) return busy;
    if (first) options.onWait?.(busy);
  }
}

/**
 * CPU seconds used so far by every PostgreSQL process (the postmaster and its backends, by command
 * name). The `auth` route's one-row read runs there, so a run counts that CPU as the database's, not as
 * other people's work; on a shared server it also includes their queries meanwhile.
 */
export function databaseCpuSeconds(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (stat.slice(open + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      byPid.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The process ended meanwhile.
    }
  }
  return byPid;
}

/**
 * CPU seconds the database used between two samples: per process, so that a backend that ended
 * meanwhile does not count negative (its last share is lost: a slight underestimate).
 */
export function databaseCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
