/**
 * Runs one ffmpeg to completion for the VOD pipeline: progress read from `-progress pipe:1`, stopped by
 * an AbortSignal, started under the parent-death guard of `../ffmpeg/spawn.ts`.
 */
import { spawnTool } from '../ffmpeg/spawn.ts';

/** ffmpeg exited with an error (or could not start); the message carries the end of its stderr. */
export class FfmpegFailedError extends Error {
  override name = 'FfmpegFailedError';
}

/**
 * Splits ffmpeg's `-progress` output (`key=value` lines, each block ending in `progress=continue|end`)
 * into the media time reached, in ms. Chunks may cut lines anywhere.
 */
export class ProgressParser {
  private pending = '';
  private outTimeMs: number | undefined;

  /** Feeds a chunk; returns the block ends it completed, in order. */
  push(chunk: string): { outTimeMs: number | undefined; end: boolean }[] {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    const blocks: { outTimeMs: number | undefined; end: boolean }[] = [];
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      // `out_time_ms` is in microseconds too (a long-standing ffmpeg quirk); prefer the explicit key.
      if (key === 'out_time_us' || (key === 'out_time_ms' && this.outTimeMs === undefined)) {
        const us = Number(value);
        if (Number.isFinite(us) && us >= 0) this.outTimeMs = us / 1000;
      } else if (key === 'progress') {
        blocks.push({ outTimeMs: this.outTimeMs, end: value === 'end' });
        this.outTimeMs = undefined;
      }
    }
    return blocks;
  }
}

export interface RunToCompletionOptions {
  signal?: AbortSignal;
  /** Called for every progress block (argv must contain `-progress pipe:1`). */
  onProgress?: (outTimeMs: number | undefined, end: boolean) => void;
  /** Called once the process exists, e.g. to note its pid where a later run can find a stray one. */
  onSpawn?: (pid: number) => void;
}

const STDERR_KEEP = 4000;

/** Runs `ffmpegPath argv…`; resolves on exit 0, rejects with {@link FfmpegFailedError} or the abort reason. */
export function runToCompletion(
  ffmpegPath: string,
  argv: string[],
  options: RunToCompletionOptions = {},
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const child = spawnTool(ffmpegPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const parser = new ProgressParser();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const block of parser.push(chunk)) options.onProgress?.(block.outTimeMs, block.end);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    // The output is thrown away on abort, so there is nothing for a graceful stop to finish.
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        new FfmpegFailedError(`ffmpeg could not be started (${ffmpegPath}): ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.once('close', (code, exitSignal) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(abortReason(signal));
      else if (code === 0) resolve();
      else {
        const how = code === null ? `was killed by ${exitSignal}` : `exited with code ${code}`;
        const tail = stderr.trim().split('\n').slice(-8).join('\n');
        reject(new FfmpegFailedError(`ffmpeg ${how}${tail ? `: ${tail}` : ''}`));
      }
    });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('ffmpeg run aborted');
}
