/**
 * The one place that starts ffmpeg and ffprobe processes. On Linux every child is started through
 * util-linux's `setpriv --pdeathsig SIGKILL --`, which sets the parent-death signal and then execs the
 * tool under the same pid: the kernel kills the tool when the process that spawned it dies, however it
 * dies (kill -9 included). So no transcoder outlives its media node or worker and goes on writing beside
 * a retried job. The signal survives the exec (it is cleared only for set-user-id binaries).
 *
 * Runners that take a binary path rather than a command line (fluent-ffmpeg, see `run.ts`) get a small
 * wrapper executable instead ({@link guardedExecutable}): `exec setpriv --pdeathsig SIGKILL -- <tool> "$@"`,
 * so the tool still ends up under the spawned pid with the same guarantee.
 *
 * Where setpriv is missing (macOS, a minimal image), children are spawned directly and
 * {@link warnIfUnguarded} says so once; the VOD work directory still stops a stray ffmpeg of an earlier
 * attempt before a retry writes (see `vod/work-dir.ts`).
 */
import {
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
  type ExecFileException,
  type ExecFileOptions,
  execFile,
  type SpawnOptions,
  type SpawnOptionsWithStdioTuple,
  type StdioNull,
  type StdioPipe,
  spawn,
} from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executableSearchPath } from '@streamhub/config/search-path';
import type { Logger } from '@streamhub/logger/logger';

/**
 * An executable regular file at `command` (when it names a path) or on PATH, as the kernel would find
 * it; undefined when there is none. PATH is read by the config package, split as `child_process` splits it.
 */
export function findExecutable(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : executableSearchPath().map((dir) => join(dir, command));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

let setprivPath: string | null | undefined;

/** setpriv's path, looked up once; null where there is none (or the system is not Linux). */
function setpriv(): string | null {
  setprivPath ??= process.platform === 'linux' ? (findExecutable('setpriv') ?? null) : null;
  return setprivPath;
}

/** Whether children get the parent-death guarantee in this process. */
export function hasParentDeathGuard(): boolean {
  return setpriv() !== null;
}

/**
 * The command line that runs `command args…` under the parent-death guard. A command that cannot be
 * found is left unwrapped, so that spawning it fails as before (ENOENT) instead of setpriv exiting 127,
 * which callers would take for the tool's own failure.
 */
export function guarded(command: string, args: readonly string[]): { command: string; args: string[] } {
  const wrapper = setpriv();
  if (!wrapper || !findExecutable(command)) return { command, args: [...args] };
  return { command: wrapper, args: ['--pdeathsig', 'SIGKILL', '--', command, ...args] };
}

let wrapperDir: string | undefined;
const wrappers = new Map<string, string>();

/** Quotes a path for a POSIX shell script. */
const shellQuoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * An executable that runs `command "$@"` under the parent-death guard, for runners that only take a
 * binary path (fluent-ffmpeg's `setFfmpegPath`): a two-line shell script that execs setpriv, which execs
 * the tool, so the runner's child pid ends up being the tool itself. Written once per process and tool,
 * mode 0700 in a private temporary directory (mode 0700, removed when the process exits). Without
 * setpriv, or for a command that cannot be found (so that it fails to spawn as before), `command` itself.
 */
export function guardedExecutable(command: string): string {
  const wrapper = setpriv();
  const tool = findExecutable(command);
  if (!wrapper || !tool) return command;
  const known = wrappers.get(tool);
  if (known) return known;
  if (!wrapperDir) {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-ffmpeg-'));
    chmodSync(dir, 0o700);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    wrapperDir = dir;
  }
  const path = join(wrapperDir, `guarded-${wrappers.size}`);
  writeFileSync(
    path,
    `#!/bin/sh\nexec ${shellQuoted(wrapper)} --pdeathsig SIGKILL -- ${shellQuoted(tool)} "$@"\n`,
    { mode: 0o700 },
  );
  wrappers.set(tool, path);
  return path;
}

/** `child_process.spawn` of ffmpeg or ffprobe, under the parent-death guard. */
export function spawnTool(
  command: string,
  args: readonly string[],
  options: SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioPipe>,
): ChildProcessWithoutNullStreams;
export function spawnTool(command: string, args: readonly string[], options: SpawnOptions): ChildProcess;
export function spawnTool(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const run = guarded(command, args);
  return spawn(run.command, run.args, options);
}

/** `child_process.execFile` of ffmpeg or ffprobe (output buffered as strings), under the guard. */
export function execTool(
  command: string,
  args: readonly string[],
  options: ExecFileOptions,
  callback: (error: ExecFileException | null, stdout: string, stderr: string) => void,
): ChildProcess {
  const run = guarded(command, args);
  return execFile(run.command, run.args, { ...options, encoding: 'utf8' }, (error, stdout, stderr) =>
    callback(error, String(stdout), String(stderr)),
  );
}

let warned = false;

/** Logs once per process that children are not guarded (setpriv missing); silent where they are. */
export function warnIfUnguarded(logger: Logger): void {
  if (warned || hasParentDeathGuard()) return;
  warned = true;
  logger.warn(
    'setpriv (util-linux) not found: ffmpeg children are spawned without a parent-death signal, so one may outlive a process that is killed with SIGKILL',
  );
}
