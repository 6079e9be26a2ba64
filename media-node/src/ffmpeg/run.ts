/**
 * The one module that runs ffmpeg (through fluent-ffmpeg 2.1.3, archived and
 * deprecated: see FIELD-NOTES). Callers hand it our own pure
 * {@link FfmpegInvocation}; nothing from fluent-ffmpeg leaks out, so replacing
 * it with `child_process.spawn` is a change to this file only.
 */
import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import type { FfmpegInvocation } from './ladder.ts';

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

/**
 * Options go to fluent-ffmpeg as separate arguments: with several arguments it
 * keeps each verbatim (a lone argument containing one space would be split).
 */
function spread(cmd: ffmpeg.FfmpegCommand, kind: 'input' | 'output', options: string[]): void {
  if (options.length === 0) return;
  const [first, ...rest] = options as [string, ...string[]];
  if (kind === 'input') cmd.inputOptions(first, ...rest);
  else cmd.outputOptions(first, ...rest);
}

/**
 * Before its first run, fluent-ffmpeg asks the binary for its formats and encoders (two extra
 * ffmpeg processes, 0.3–0.6 s on a busy machine) and caches the answers for the process. Asking
 * once at start-up keeps that off the first publish's path to a playable segment.
 */
export async function warmFfmpegCapabilities(binaryPath: string): Promise<void> {
  const probe = ffmpeg().setFfmpegPath(binaryPath);
  await new Promise<void>((resolve, reject) =>
    probe.availableFormats((error) => (error ? reject(error) : resolve())),
  );
  await new Promise<void>((resolve, reject) =>
    probe.availableEncoders((error) => (error ? reject(error) : resolve())),
  );
}

export function runFfmpeg(binaryPath: string, invocation: FfmpegInvocation): RunningFfmpeg {
  const cmd = ffmpeg({ stdoutLines: 20 }).setFfmpegPath(binaryPath).input(invocation.input);
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
        stderr = (stderr + chunk.toString()).slice(-8000);
      });
      proc?.once('exit', (code, signal) => finish({ code, signal, stderrTail: tail() }));
    });
    cmd.on('end', () => finish({ code: 0, signal: null, stderrTail: tail() }));
    cmd.on('error', (error: Error) => {
      // Exit errors are reported by the 'exit' listener above; only spawn failures land here first.
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
      if (!child) {
        // Not started yet: kill as soon as it starts.
        cmd.on('start', () => child?.kill('SIGKILL'));
      }
      return exited;
    },
  };
}
