/**
 * Every child process and scratch directory of a benchmark is registered here and removed when the
 * orchestrator ends, however it ends (finished, thrown, Ctrl-C). One registry for all benchmarks.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;
let onSignals = false;

function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  // Synchronous: this also runs from the 'exit' event.
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanUp);
}

/** For the command-line entry point: Ctrl-C and kill also clean up (a test runner keeps its own handlers). */
export function cleanUpOnSignals(): void {
  install();
  if (onSignals) return;
  onSignals = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
}

export function killOnExit(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function removeOnExit(dir: string): void {
  install();
  dirs.add(dir);
}

/** Removes now what {@link removeOnExit} would remove later (between runs, to keep /tmp small). */
export function removeNow(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}
