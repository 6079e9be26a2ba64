/**
 * Whole-machine CPU from Linux `/proc/stat`, with the kernel's softirq time apart: on loopback, TCP
 * receive processing runs in softirq context and is charged to no process, so a fan-out benchmark's
 * own network work would otherwise show up as "other processes".
 */
import { readFileSync } from 'node:fs';

export interface MachineTimes {
  /** Busy CPU seconds of all cores since boot, softirq excluded. */
  busy: number;
  softirq: number;
}

export function machineTimes(): MachineTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // user nice system idle iowait irq softirq steal, in ticks of 1/100 s.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  return { busy: (user + nice + system + irq + steal) / 100, softirq: softirq / 100 };
}

/** Cores used between two readings over `wallSeconds`. */
export const coresBetween = (before: MachineTimes, after: MachineTimes, wallSeconds: number) => ({
  busy: (after.busy - before.busy) / wallSeconds,
  softirq: (after.softirq - before.softirq) / wallSeconds,
});
