/**
 * Linux `/proc` readings for the live benchmark: CPU seconds of a process tree, whole-machine CPU,
 * listening TCP ports and whether a process holds a socket yet.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { loadavg } from 'node:os';

/** USER_HZ: `/proc` counts CPU time in ticks of 1/100 s on Linux (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** User + system CPU seconds of the process itself (all its threads). */
  cpu: number;
  /** User + system CPU seconds of its children that have exited and been waited for. */
  reapedChildrenCpu: number;
}

/** `/proc/<pid>/stat`, or undefined once the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  // Fields after the command name, which may itself hold spaces and parentheses: state is [0].
  const f = stat
    .slice(close + 2)
    .split(' ')
    .map(Number);
  const at = (i: number) => f[i] ?? 0;
  return {
    pid,
    ppid: at(1),
    comm: stat.slice(open + 1, close),
    cpu: (at(11) + at(12)) / TICKS_PER_SECOND,
    reapedChildrenCpu: (at(13) + at(14)) / TICKS_PER_SECOND,
  };
}

function childPids(pid: number): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const tid of tasks) {
    try {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (list) pids.push(...list.split(/\s+/).map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return pids;
}

/** One reading of a process and every live descendant. */
export interface TreeCpu {
  rootPid: number;
  /** The root process's own CPU seconds. */
  root: number;
  /** CPU seconds of every live descendant by pid (each one's own time plus its reaped children's). */
  descendants: Map<number, { comm: string; cpu: number }>;
  /** CPU seconds of the root's exited and reaped children (short-lived runs such as thumbnails). */
  reapedChildren: number;
  /** Everything above. */
  total: number;
}

/**
 * Reads the CPU seconds of `rootPid` and its whole tree. A child that exits between two readings
 * moves from `descendants` to `reapedChildren`, so `total` keeps counting it: the difference of two
 * totals is the tree's CPU between them. Undefined once the root is gone.
 */
export function treeCpu(rootPid: number): TreeCpu | undefined {
  const root = readProcStat(rootPid);
  if (!root) return undefined;
  const descendants = new Map<number, { comm: string; cpu: number }>();
  const queue = childPids(rootPid);
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const stat = readProcStat(pid);
    if (!stat) continue;
    descendants.set(pid, { comm: stat.comm, cpu: stat.cpu + stat.reapedChildrenCpu });
    queue.push(...childPids(pid));
  }
  let total = root.cpu + root.reapedChildrenCpu;
  for (const d of descendants.values()) total += d.cpu;
  return { rootPid, root: root.cpu, descendants, reapedChildren: root.reapedChildrenCpu, total };
}

/** Busy and total CPU seconds of all cores since boot. */
export interface MachineCpu {
  busy: number;
  total: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait are the fourth and fifth fields.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/** 1, 5 and 15 minute load averages, rounded for printing. */
export const loadAverages = (): [number, number, number] =>
  loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];

/** True when some socket listens on 127.0.0.1 or 0.0.0.0 at `port` (IPv4, `/proc/net/tcp`). */
export function isListening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const table = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  return table.some((row) => {
    const cols = row.trim().split(/\s+/);
    // local_address is "IP:PORT" in hex, st 0A is LISTEN.
    return cols[1]?.endsWith(`:${hex}`) === true && cols[3] === '0A';
  });
}

/** Socket inodes among a process's open files, stdio excluded (Node hands children socketpairs there). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    if (Number(fd) <= 2) continue;
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/** True once `pid` holds an IPv4 TCP connection to `remotePort` (ffmpeg's RTMP input, say). */
export function connectedTo(pid: number, remotePort: number): boolean {
  const inodes = socketInodes(pid);
  if (inodes.size === 0) return false;
  const hex = remotePort.toString(16).toUpperCase().padStart(4, '0');
  const table = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  return table.some((row) => {
    const cols = row.trim().split(/\s+/);
    // rem_address is [2], inode is [9].
    return cols[2]?.endsWith(`:${hex}`) === true && inodes.has(cols[9] ?? '');
  });
}
