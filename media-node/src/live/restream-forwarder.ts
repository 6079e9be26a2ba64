/**
 * One restream destination of one live publish: an ffmpeg that reads the node's local RTMP copy of the
 * source and writes it to the destination without re-encoding (`-c copy -f flv`). Its own process, so
 * a destination that fails never touches the ladder or the other destinations. A failed attempt is
 * retried after a back-off that doubles up to a cap, and resets once an attempt went live.
 *
 * The destination's key is in this ffmpeg's arguments (ffmpeg takes output URLs from nowhere else);
 * it is redacted from every status reason and log line.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '@streamhub/logger/logger';
import { spawnTool } from '../ffmpeg/spawn.ts';
import type { RestreamDestination, RestreamState } from './restream-port.ts';

export interface RestreamBackoff {
  /** Delay before the first retry (default 1 s). */
  initialMs: number;
  /** Longest delay between attempts (default 30 s). */
  maxMs: number;
}

export const DEFAULT_RESTREAM_BACKOFF: RestreamBackoff = { initialMs: 1000, maxMs: 30_000 };

export interface RestreamForwarderOptions {
  ffmpegPath: string;
  /** The node's local RTMP URL of the publish (an alias, never the channel's stream key). */
  input: string;
  destination: RestreamDestination;
  backoff: RestreamBackoff;
  onState(state: RestreamState, reason?: string): void;
  logger: Logger;
}

export class RestreamForwarder {
  private child: ChildProcess | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;
  private exited: Promise<void> = Promise.resolve();
  /** Attempts started so far (1 + retries). */
  attempts = 0;

  constructor(private readonly options: RestreamForwarderOptions) {
    this.delayMs = options.backoff.initialMs;
  }

  /** The running attempt's ffmpeg pid (tests check that a healthy destination's forward never restarts). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopped || this.child) return;
    this.attempts += 1;
    const { destination, logger } = this.options;
    this.options.onState('connecting');
    const child = spawnTool(this.options.ffmpegPath, forwardArgs(this.options.input, destination.url), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    let live = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    // `-progress pipe:1`: key=value blocks every half second; a positive out_time means packets are being written.
    child.stdout?.on('data', (chunk: Buffer) => {
      if (live) return;
      const match = /out_time_us=(\d+)/.exec(chunk.toString());
      if (match && Number(match[1]) > 0) {
        live = true;
        this.delayMs = this.options.backoff.initialMs;
        this.options.onState('live');
      }
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.child = undefined;
        resolve();
        if (this.stopped) return;
        const reason = redact(lastLine(stderr) ?? `ffmpeg exited (${signal ?? code})`, destination.secret);
        logger.warn({ destinationId: destination.id, reason, attempt: this.attempts }, 'restream failed');
        this.options.onState('failed', reason);
        this.scheduleRetry();
      });
    });
    child.once('error', (error) => {
      logger.error({ err: error, destinationId: destination.id }, 'could not start the restream ffmpeg');
    });
  }

  private scheduleRetry(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.backoff.maxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, delay);
    this.retryTimer.unref();
  }

  /** Reports the destination offline: the source is gone (call after {@link stop}). */
  markOffline(): void {
    this.options.onState('offline');
  }

  /** Stops the forward for good (the source went away or the session ended). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const child = this.child;
    if (child) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

/** ffmpeg reading the local source and writing it, untouched, as FLV to the destination. */
export function forwardArgs(input: string, output: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-nostats',
    '-progress',
    'pipe:1',
    '-i',
    input,
    '-map',
    '0',
    '-c',
    'copy',
    '-f',
    'flv',
    output,
  ];
}

function lastLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
}

/** The reason without the destination's key (ffmpeg names the URL in its errors). */
export function redact(text: string, secret: string): string {
  return (secret ? text.split(secret).join('***') : text).slice(0, 300);
}
