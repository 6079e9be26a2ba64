/** Helpers for tests that run real ffmpeg publishers and probes. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Publisher {
  child: ChildProcess;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr: () => string;
}

const children = new Set<ChildProcess>();

/** ffmpeg arguments of the test publisher: a synthetic test pattern + tone, x264 ultrafast + AAC, as FLV to `output`. */
export function publisherArgs(output: string, seconds: number, size = '1280x720', realtime = true): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...(realtime ? ['-re'] : []),
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=30`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '30',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-f',
    'flv',
    '-y',
    output,
  ];
}

/** Pushes a synthetic 720p30 test pattern + tone over RTMP for `seconds` (ffmpeg `-re`). */
export function startPublisher(url: string, seconds: number, size = '1280x720'): Publisher {
  const child = spawn('ffmpeg', publisherArgs(url, seconds, size), { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, exited, stderr: () => stderr };
}

/**
 * The bitrate (bits per second) of what {@link startPublisher} sends, measured by encoding the same
 * stream to a file as fast as possible: the reference an ingest bitrate measurement is checked against.
 */
export function publisherBitrate(path: string, seconds: number, size = '1280x720'): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      publisherArgs(path, seconds, size, false),
      { timeout: 60_000 },
      (error, _out, stderr) => {
        if (error) {
          reject(new Error(`encoding the reference failed: ${stderr || error.message}`));
          return;
        }
        stat(path).then((s) => resolve((s.size * 8) / seconds), reject);
      },
    );
  });
}

/** SIGKILLs every publisher still running (afterEach). */
export function killPublishers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
}

/** ffprobe a media file, decoding its frames (`-count_frames`), returning its streams. */
export function probe(path: string): Promise<{ streams: (ProbedStream & { nb_read_frames?: string })[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_type,codec_name,width,height,nb_read_frames',
        '-of',
        'json',
        path,
      ],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`ffprobe ${path}: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as { streams: ProbedStream[] });
      },
    );
  });
}

/** Parent pid and state of a process from /proc, or undefined once it is gone. */
function procStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the fields after it are fixed.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state: state ?? '' };
  } catch {
    return undefined;
  }
}

const allPids = () =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);

/** The arguments of a running (not zombie) process joined by spaces, or undefined. */
export function cmdlineOf(pid: number): string | undefined {
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z') return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Every running process on the machine (but this one) whose arguments name `text`. */
export function processesNaming(text: string): number[] {
  return allPids().filter((pid) => pid !== process.pid && cmdlineOf(pid)?.includes(text));
}

/** Children, grandchildren… of `pid` that are still running. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map(allPids().map((p) => [p, procStat(p)?.ppid] as const));
  const found: number[] = [];
  for (let level = [pid]; level.length > 0; ) {
    level = [...parents].filter(([, ppid]) => ppid !== undefined && level.includes(ppid)).map(([p]) => p);
    found.push(...level.filter((p) => cmdlineOf(p) !== undefined));
  }
  return found;
}
