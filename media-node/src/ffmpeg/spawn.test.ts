/**
 * The parent-death guard, for real: a child process starts ffmpeg work (a VOD transcode, a live ladder),
 * is killed with SIGKILL, and /proc must show no ffmpeg left writing to that work's directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cmdlineOf, processesNaming, waitFor } from '../testing/process-helpers.ts';
import { runFfmpeg } from './run.ts';
import { findExecutable, guarded, guardedExecutable, hasParentDeathGuard } from './spawn.ts';

const HOLDER = fileURLToPath(new URL('../testing/ffmpeg-holder.ts', import.meta.url));
const holders = new Set<ChildProcess>();
const dirs: string[] = [];

const filesUnder = (dir: string) => {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
};

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Starts the holder script in its own Node process; resolves with it and its first stdout line. */
async function startHolder(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; first: Record<string, unknown>; stdout: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  holders.add(child);
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const line = await waitFor(
    'the holder to report',
    () => stdout.split('\n').find((l) => l.startsWith('{"') && !l.includes('"level"')),
    60_000,
  );
  return { child, first: JSON.parse(line) as Record<string, unknown>, stdout: () => stdout };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

afterEach(() => {
  for (const child of holders) child.kill('SIGKILL');
  holders.clear();
  // Whatever a failing test left running must not go on for minutes.
  for (const dir of dirs.splice(0)) {
    for (const pid of processesNaming(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!hasParentDeathGuard())(
  'ffmpeg children die with their process',
  { timeout: 120_000 },
  () => {
    it('a VOD transcode stops when its worker is killed with SIGKILL', async () => {
      const outputDir = tempDir('streamhub-pdeath-vod-');
      const { child, first } = await startHolder(['vod', outputDir]);
      const ffmpegPid = first.ffmpegPid as number;
      // Really transcoding: segments are being written, by a process that names the output directory.
      await waitFor('a first segment', () => filesUnder(outputDir).some((f) => f.endsWith('.ts')), 60_000);
      expect(processesNaming(outputDir)).toContain(ffmpegPid);
      expect(cmdlineOf(ffmpegPid)).toMatch(/^ffmpeg /);

      child.kill('SIGKILL');
      await exited(child);
      await waitFor(
        'no ffmpeg writing to the output directory',
        () => processesNaming(outputDir).length === 0,
        10_000,
      );
    });

    it('a live ladder stops when its media node is killed with SIGKILL', async () => {
      const outputDir = tempDir('streamhub-pdeath-live-');
      const { child, first } = await startHolder(['ladder', outputDir]);
      const ffmpegPid = first.ffmpegPid as number;
      await waitFor(
        'a segment in every rung',
        () => filesUnder(outputDir).filter((f) => f.endsWith('.ts')).length >= 2,
        60_000,
      );
      expect(processesNaming(outputDir)).toContain(ffmpegPid);

      child.kill('SIGKILL');
      await exited(child);
      await waitFor(
        'no ffmpeg writing to the live directory',
        () => processesNaming(outputDir).length === 0,
        10_000,
      );
    });
  },
);

describe('the parent-death guard', () => {
  it('wraps a tool that exists in setpriv, and leaves a missing one to fail as before', async () => {
    const wrapped = guarded('ffmpeg', ['-version']);
    if (hasParentDeathGuard()) {
      expect(wrapped.command).toMatch(/\/setpriv$/);
      expect(wrapped.args).toEqual(['--pdeathsig', 'SIGKILL', '--', 'ffmpeg', '-version']);
    } else {
      expect(wrapped).toEqual({ command: 'ffmpeg', args: ['-version'] });
    }
    const missing = join(tmpdir(), 'no-such-dir', 'ffmpeg');
    expect(guarded(missing, ['-version'])).toEqual({ command: missing, args: ['-version'] });
    const exit = await runFfmpeg(missing, { inputOptions: [], input: 'x', outputOptions: [], output: 'y' })
      .exited;
    expect(exit.spawnError?.message).toMatch(/ENOENT/);
  });

  it('gives fluent-ffmpeg a private 0700 wrapper that execs the tool under the guard, same pid', async () => {
    const wrapper = guardedExecutable('sleep');
    if (!hasParentDeathGuard()) {
      expect(wrapper).toBe('sleep');
      return;
    }
    expect(guardedExecutable('sleep')).toBe(wrapper);
    expect(statSync(wrapper).mode & 0o777).toBe(0o700);
    expect(statSync(dirname(wrapper)).mode & 0o777).toBe(0o700);
    const child = spawn(wrapper, ['30'], { stdio: 'ignore' });
    holders.add(child);
    // sh execs setpriv, which execs sleep: the spawned pid ends up being the tool itself.
    await waitFor('the tool under the spawned pid', () =>
      /^\S*\/sleep 30/.test(cmdlineOf(child.pid ?? 0) ?? ''),
    );
    const missing = join(tmpdir(), 'no-such-dir', 'ffmpeg');
    expect(guardedExecutable(missing)).toBe(missing);
  });

  it('without setpriv, transcodes anyway and warns once', async () => {
    const ffmpeg = findExecutable('ffmpeg');
    if (!ffmpeg) throw new Error('ffmpeg is not on PATH');
    // A PATH that has ffmpeg but no setpriv.
    const bin = tempDir('streamhub-nosetpriv-');
    symlinkSync(ffmpeg, join(bin, 'ffmpeg'));
    const outputDir = tempDir('streamhub-nosetpriv-out-');
    const { child, stdout } = await startHolder(['unguarded', outputDir], { ...process.env, PATH: bin });
    await exited(child);
    const lines = stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => String(line.msg).includes('setpriv'))).toHaveLength(1);
    expect(lines.find((line) => 'transcoded' in line)).toEqual({ guarded: false, transcoded: true });
    expect(child.exitCode).toBe(0);
  });
});
