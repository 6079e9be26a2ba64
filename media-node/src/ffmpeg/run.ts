/**
 * Runs one long-lived ffmpeg from our own pure {@link FfmpegInvocation} (the live ladder, a thumbnail):
 * started through `spawn.ts` (parent-death guard), stderr's tail kept for logs, stopped gracefully.
 * fluent-ffmpeg (archived and deprecated, see FIELD-NOTES) used to sit here; it added nothing but two
 * capability probes before the first run and could not start a process under the guard.
 */
import { type FfmpegInvocation, toArgv } from './ladder.ts';
import { spawnTool } from './spawn.ts';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Last lines ffmpeg wrote to stderr (for logs; the input URL is never logged). */
  stderrTail: string;
  /** The process could not be started at all. */
  spawnError?: Error;
}

export interface RunningFfmpeg {
  readonly pid: number | undefined;
  /** Resolves with the pid once the process is spawned (undefined if it could not be). */
  readonly spawned: Promise<number | undefined>;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<FfmpegExit>;
  /** SIGTERM (ffmpeg finishes its playlists), then SIGKILL after `graceMs`. Resolves on exit. */
  stop(graceMs?: number): Promise<FfmpegExit>;
}

const STDERR_KEEP = 8000;

export function runFfmpeg(binaryPath: string, invocation: FfmpegInvocation): RunningFfmpeg {
  const child = spawnTool(binaryPath, toArgv(invocation), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const tail = () => stderr.split('\n').slice(-12).join('\n').trim();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });

  let started = false;
  const spawned = new Promise<number | undefined>((resolve) => {
    child.once('spawn', () => {
      started = true;
      resolve(child.pid);
    });
    child.once('error', () => resolve(undefined));
  });
  const exited = new Promise<FfmpegExit>((resolve) => {
    // 'close' rather than 'exit': stderr is read to its end, so the tail holds ffmpeg's last words.
    child.once('close', (code, signal) => resolve({ code, signal, stderrTail: tail() }));
    child.once('error', (error) => {
      // Only a failed spawn ends here; a failed kill of a running process is not an exit.
      if (!started) resolve({ code: null, signal: null, stderrTail: tail(), spawnError: error });
    });
  });

  return {
    get pid() {
      return child.pid;
    },
    spawned,
    exited,
    async stop(graceMs = 3000) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    },
  };
}
