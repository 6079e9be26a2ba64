/**
 * Child processes of the orchestrator, each pinned to one core. Every child is registered with the
 * benchmarks' cleanup (`../shared/cleanup.ts`), so all of them are killed when the orchestrator ends,
 * whether it finishes, throws or gets Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cleanUpOnSignals, killOnExit, removeOnExit } from '../shared/cleanup.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Removes `dir` when the orchestrator exits, however it exits (logs and database copies add up). */
export function removeScratchOnExit(dir: string): void {
  cleanUpOnSignals();
  removeOnExit(dir);
}

export interface PinnedProcess {
  child: ChildProcess;
  /** Settles with the exit code once the process has exited and its output has been read to the end. */
  closed: Promise<number | null>;
}

/** Starts `command` pinned to `cpu` with `taskset` (which execs it, so the pid is the command's own). */
export function spawnPinned(cpu: number, command: string, args: readonly string[]): PinnedProcess {
  cleanUpOnSignals();
  const child = spawn('taskset', ['-c', String(cpu), command, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const closed = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { child, closed };
}

/** Calls `onLine` for every stdout line; keeps the last stderr lines for error messages. */
export function watchOutput(child: ChildProcess, onLine: (line: string) => void): () => string {
  const stderr: string[] = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
    });
  }
  return () => stderr.join('\n');
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess({ child, closed }: PinnedProcess, graceMs = 8_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await closed;
    clearTimeout(timer);
  }
  await closed;
}

/**
 * User plus system CPU seconds a process has used so far (Linux `/proc/<pid>/stat`, 100 ticks/s);
 * undefined once the process is gone.
 */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
