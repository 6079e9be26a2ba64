/**
 * Runs one long-lived ffmpeg from our own pure {@link FfmpegInvocation} (the live ladder, a thumbnail)
 * through fluent-ffmpeg 2.1.3, as the product's design card fixes (archived and deprecated upstream: see
 * FIELD-NOTES). It is the only module that imports fluent-ffmpeg; nothing of its types leaks out, so
 * replacing it with `child_process.spawn` stays a change to this file.
 *
 * fluent-ffmpeg spawns the binary it is given, so it is given the parent-death guard's wrapper
 * (`spawn.ts`, {@link guardedExecutable}): the process it starts execs setpriv, which execs ffmpeg under
 * the same pid, and the kernel kills ffmpeg if this process dies, SIGKILL included.
 */
import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import type { FfmpegInvocation } from './ladder.ts';
import { guardedExecutable } from './spawn.ts';

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

/**
 * Options go to fluent-ffmpeg as separate arguments: with several arguments it keeps each verbatim (a
 * lone argument containing one space would be split).
 */
function spread(cmd: ffmpeg.FfmpegCommand, kind: 'input' | 'output', options: string[]): void {
  if (options.length === 0) return;
  const [first, ...rest] = options as [string, ...string[]];
  if (kind === 'input') cmd.inputOptions(first, ...rest);
  else cmd.outputOptions(first, ...rest);
}

/**
 * Before its first run, fluent-ffmpeg asks the binary for its formats and encoders (two extra ffmpeg
 * processes, 0.3–0.6 s on a busy machine) and caches the answers for the process. Asking once when the
 * media node starts keeps that off the first publish's path to a playable segment.
 */
export async function warmFfmpegCapabilities(binaryPath: string): Promise<void> {
  const probe = ffmpeg().setFfmpegPath(guardedExecutable(binaryPath));
  await new Promise<void>((resolve, reject) =>
    probe.availableFormats((error) => (error ? reject(error) : resolve())),
  );
  await new Promise<void>((resolve, reject) =>
    probe.availableEncoders((error) => (error ? reject(error) : resolve())),
  );
}

export function runFfmpeg(binaryPath: string, invocation: FfmpegInvocation): RunningFfmpeg {
  const cmd = ffmpeg({ stdoutLines: 20 })
    .setFfmpegPath(guardedExecutable(binaryPath))
    .input(invocation.input);
  spread(cmd, 'input', invocation.inputOptions);
  cmd.output(invocation.output);
  spread(cmd, 'output', invocation.outputOptions);

  let child: ChildProcess | undefined;
  let stderr = '';
  const tail = () => stderr.split('\n').slice(-12).join('\n').trim();

  let markSpawned: (pid: number | undefined) => void = () => undefined;
  const spawned = new Promise<number | undefined>((resolve) => {
    markSpawned = resolve;
  });
  const exited = new Promise<FfmpegExit>((resolve) => {
    let settled = false;
    const finish = (exit: FfmpegExit) => {
      if (settled) return;
      settled = true;
      resolve(exit);
    };
    cmd.on('start', () => {
      const proc = (cmd as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      child = proc;
      markSpawned(proc?.pid);
      proc?.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
      });
      // 'close' rather than 'exit': stderr is read to its end, so the tail holds ffmpeg's last words.
      proc?.once('close', (code, signal) => finish({ code, signal, stderrTail: tail() }));
    });
    cmd.on('error', (error: Error) => {
      // Exits are reported by the 'close' listener above; only a failed start lands here first.
      if (!child) {
        markSpawned(undefined);
        finish({ code: null, signal: null, stderrTail: tail(), spawnError: error });
      }
    });
  });

  cmd.run();

  return {
    get pid() {
      return child?.pid;
    },
    spawned,
    exited,
    async stop(graceMs = 3000) {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      // Not started yet (fluent-ffmpeg checks capabilities first): kill it as soon as it starts.
      if (!child) cmd.on('start', () => child?.kill('SIGKILL'));
      return exited;
    },
  };
}
