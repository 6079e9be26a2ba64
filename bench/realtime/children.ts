/**
 * The orchestrator's child processes (servers, client workers, CLI set-up steps), each optionally pinned
 * to one core. Every child is registered with the benchmarks' cleanup (`../shared/cleanup.ts`) and
 * killed when the orchestrator ends, however it ends; children also get a stdin pipe and exit by
 * themselves when it closes, which covers a SIGKILLed orchestrator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../gateway/processes.ts';
import { cleanUpOnSignals, killOnExit } from '../shared/cleanup.ts';

export { cpuSeconds, REPO_ROOT, removeScratchOnExit } from '../gateway/processes.ts';

const spawned: number[] = [];

/** Pids of every child this process has started so far (tests check that none outlives a run). */
export const spawnedPids = (): readonly number[] => spawned;

export interface Child {
  child: ChildProcess;
  pid: number;
  /** Settles with the exit code (or signal name) once the process has exited and its output is read. */
  closed: Promise<string>;
  /** The last stderr lines, for error messages. */
  stderrTail(): string;
  /** Null while running; how it ended otherwise. */
  exited(): string | null;
  /** Writes one JSON line to its stdin. */
  send(message: unknown): void;
  /** The next stdout line that parses as JSON and satisfies `match`; rejects when the process ends first. */
  next<T>(match: (value: unknown) => value is T, timeoutMs: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Pin to this core with `taskset` (which execs the command, so the pid is the command's own). */
  cpu?: number;
  env?: NodeJS.ProcessEnv;
  /** Scheduling niceness (negative needs root): on a shared machine, matches neighbours that raised theirs. */
  nice?: number;
  /** Called with every stdout line that is not JSON or not awaited (e.g. a server's log lines). */
  onLine?: (line: string) => void;
}

export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  cleanUpOnSignals();
  let [file, argv] =
    options.cpu === undefined
      ? [command, [...args]]
      : ['taskset', ['-c', String(options.cpu), command, ...args]];
  // `nice` execs its command too, so the pid stays the measured process's own.
  if (options.nice) [file, argv] = ['nice', ['-n', String(options.nice), file, ...argv]];
  const child = spawn(file, argv, {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  killOnExit(child);
  if (child.pid !== undefined) spawned.push(child.pid);
  let ended: string | null = null;
  const closed = new Promise<string>((resolve) => {
    child.once('close', (code, signal) => {
      ended = signal ?? `code ${code}`;
      resolve(ended);
    });
    child.once('error', (error) => {
      ended = error.message;
      resolve(ended);
    });
  });
  // A child that exits makes its stdin pipe fail: that must not take the orchestrator down.
  child.stdin?.on('error', () => {});

  const { stdout: out, stderr: err } = child;
  if (!out || !err) throw new Error('spawned without stdout/stderr pipes');
  const stderr: string[] = [];
  createInterface({ input: err }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 30) stderr.shift();
  });
  const waiters = new Set<(value: unknown) => boolean>();
  createInterface({ input: out }).on('line', (line) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      options.onLine?.(line);
      return;
    }
    for (const waiter of waiters) if (waiter(value)) return;
    options.onLine?.(line);
  });

  const stderrTail = () => stderr.join('\n');
  return {
    child,
    pid: child.pid ?? -1,
    closed,
    stderrTail,
    exited: () => ended,
    send: (message) => {
      child.stdin?.write(`${JSON.stringify(message)}\n`);
    },
    next: <T>(match: (value: unknown) => value is T, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`${command} ${args.join(' ')}: no answer within ${timeoutMs} ms\n${stderrTail()}`),
          );
        }, timeoutMs);
        const waiter = (value: unknown) => {
          if (!match(value)) return false;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(value);
          return true;
        };
        waiters.add(waiter);
        void closed.then((how) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`${command} ${args.join(' ')} ended (${how}) before answering\n${stderrTail()}`));
        });
      }),
    stop: async (graceMs = 8_000) => {
      if (ended === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await closed;
        clearTimeout(timer);
      }
      await closed;
    },
  };
}

/** Resident set size of a process in KiB (`VmRSS` in /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}
