/**
 * One live ladder: one ffmpeg process reading the published stream from the
 * local node and writing HLS under the session's output dir. Restarts ffmpeg
 * with bounded back-off if it dies while the transcoder is running (the
 * publisher is still connected); `stop()` ends it cleanly (SIGTERM, then SIGKILL).
 *
 * Events (see {@link LiveTranscoderEvents}): `started`, `firstSegment`, `exited`, `failed`.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalDirectory, MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import {
  buildLiveHlsInvocation,
  type LadderSettings,
  MASTER_PLAYLIST,
  planRungs,
  type SourceInfo,
  variantPlaylists,
} from '../ffmpeg/ladder.ts';
import type { FfmpegBinary } from '../ffmpeg/locate.ts';
import { type FfmpegExit, type RunningFfmpeg, runFfmpeg } from '../ffmpeg/run.ts';
import { LadderPackager, type LowLatencySettings } from './llhls/ladder-packager.ts';
import { buildLlLadderInvocation } from './llhls/ll-ladder.ts';
import type { RenditionEdge } from './llhls/rendition-packager.ts';

export interface RestartPolicy {
  /** Restarts allowed before giving up (`failed`); the count resets after a run that lasted `stableMs`. */
  maxRestarts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  stableMs: 30_000,
};

export interface LiveTranscoderOptions {
  ffmpeg: FfmpegBinary;
  /** Local RTMP URL of the stream (under the publish's alias, not the stream key); not logged. */
  input: string;
  outputDir: string;
  source: SourceInfo;
  settings: LadderSettings;
  record: boolean;
  /** The output dir already holds this session's playlists (reconnect): continue them after a discontinuity. */
  continueExisting: boolean;
  restart?: RestartPolicy;
  /** Write LL-HLS (fMP4 parts packaged by StreamHub) instead of ffmpeg's own HLS. */
  lowLatency?: LowLatencySettings & { dir: LocalDirectory; media: MediaStorage };
  logger: Logger;
}

export interface LiveTranscoderEvents {
  started: [{ pid: number | undefined; attempt: number }];
  /** Every variant playlist lists a segment written by this transcoder. */
  firstSegment: [{ elapsedMs: number }];
  exited: [{ code: number | null; signal: NodeJS.Signals | null; expected: boolean }];
  /** ffmpeg could not be started or kept dying; the transcoder has stopped. */
  failed: [{ reason: string; stderrTail: string }];
  /** LL-HLS: a rendition's stored playlist names a new part. */
  partsUpdated: [RenditionEdge];
}

const SEGMENT_LINE = /^[^#\s].*\.ts$/gm;

async function segmentsIn(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).match(SEGMENT_LINE) ?? [];
  } catch {
    return [];
  }
}

export class LiveTranscoder extends EventEmitter<LiveTranscoderEvents> {
  private readonly options: LiveTranscoderOptions;
  private readonly policy: RestartPolicy;
  private current: RunningFfmpeg | undefined;
  private stopping = false;
  private restarts = 0;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private firstSegmentSeen = false;
  private readonly startedAt = Date.now();
  private loop: Promise<void> = Promise.resolve();
  private packager: { ladder: LadderPackager; outputs: Map<string, string> } | undefined;

  constructor(options: LiveTranscoderOptions) {
    super();
    this.options = options;
    this.policy = options.restart ?? DEFAULT_RESTART_POLICY;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    this.loop = this.run(this.options.continueExisting);
    if (!this.options.lowLatency) void this.watchFirstSegment();
  }

  private async run(append: boolean): Promise<void> {
    if (this.stopping) return;
    const { ffmpeg, logger } = this.options;
    await mkdir(this.options.outputDir, { recursive: true });
    if (this.stopping) return;
    const invocation = this.options.lowLatency
      ? await this.lowLatencyInvocation()
      : buildLiveHlsInvocation({
          input: this.options.input,
          outputDir: this.options.outputDir,
          source: this.options.source,
          settings: this.options.settings,
          record: this.options.record,
          append,
        });
    if (this.stopping) return;
    this.attempt += 1;
    const runStarted = Date.now();
    const proc = runFfmpeg(ffmpeg.path, invocation);
    this.current = proc;
    const attempt = this.attempt;
    void proc.spawned.then((pid) => {
      if (pid !== undefined) this.emit('started', { pid, attempt });
    });
    const exit: FfmpegExit = this.redact(await proc.exited);
    this.current = undefined;
    const expected = this.stopping;
    this.emit('exited', { code: exit.code, signal: exit.signal, expected });
    if (expected) return;

    if (exit.spawnError) {
      this.emit('failed', { reason: `ffmpeg could not start: ${exit.spawnError.message}`, stderrTail: '' });
      return;
    }
    if (Date.now() - runStarted >= this.policy.stableMs) this.restarts = 0;
    if (this.restarts >= this.policy.maxRestarts) {
      logger.error(
        { code: exit.code, signal: exit.signal, stderr: exit.stderrTail },
        'ffmpeg keeps dying; giving up',
      );
      this.emit('failed', {
        reason: `ffmpeg exited ${this.restarts + 1} times (last: code ${exit.code}, signal ${exit.signal})`,
        stderrTail: exit.stderrTail,
      });
      return;
    }
    const delay = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** this.restarts);
    this.restarts += 1;
    logger.warn(
      {
        code: exit.code,
        signal: exit.signal,
        stderr: exit.stderrTail,
        restartInMs: delay,
        restart: this.restarts,
      },
      'ffmpeg exited while live; restarting',
    );
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.restartTimer = setTimeout(resolve, delay);
    });
    this.restartTimer = undefined;
    this.wake = undefined;
    return this.run(true);
  }

  /** The LL ladder's invocation; the packager is set up on the first run and serves every restart. */
  private async lowLatencyInvocation() {
    const ll = this.options.lowLatency as NonNullable<LiveTranscoderOptions['lowLatency']>;
    if (!this.packager) {
      const ladder = new LadderPackager({
        ...ll,
        rungs: planRungs(this.options.source, this.options.settings.ladder),
        hasAudio: this.options.source.hasAudio,
        segmentSeconds: this.options.settings.segmentSeconds,
        record: this.options.record,
        logger: this.options.logger,
      });
      ladder.on('updated', (edge) => this.emit('partsUpdated', edge));
      ladder.once('playable', () => {
        this.firstSegmentSeen = true;
        this.emit('firstSegment', { elapsedMs: Date.now() - this.startedAt });
      });
      this.packager = { ladder, outputs: await ladder.start(this.options.continueExisting) };
    }
    this.packager.ladder.expectRun();
    return buildLlLadderInvocation({
      input: this.options.input,
      source: this.options.source,
      settings: this.options.settings,
      outputs: this.packager.outputs,
    });
  }

  /** ffmpeg may quote its input URL in errors: an internal address that logs and events need not show. */
  private redact(exit: FfmpegExit): FfmpegExit {
    return { ...exit, stderrTail: exit.stderrTail.split(this.options.input).join('[local rtmp input]') };
  }

  private async watchFirstSegment(): Promise<void> {
    const dir = this.options.outputDir;
    const playlists = variantPlaylists(planRungs(this.options.source, this.options.settings.ladder)).map(
      (p) => join(dir, p),
    );
    const before = new Map<string, Set<string>>();
    for (const p of playlists) before.set(p, new Set(await segmentsIn(p)));
    while (!this.stopping && !this.firstSegmentSeen) {
      const master = await readFile(join(dir, MASTER_PLAYLIST), 'utf8').catch(() => '');
      if (master.includes('#EXT-X-STREAM-INF')) {
        let all = true;
        for (const p of playlists) {
          const old = before.get(p) ?? new Set();
          if (!(await segmentsIn(p)).some((s) => !old.has(s))) {
            all = false;
            break;
          }
        }
        if (all) {
          this.firstSegmentSeen = true;
          this.emit('firstSegment', { elapsedMs: Date.now() - this.startedAt });
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops ffmpeg (SIGTERM, SIGKILL after `graceMs`) and any pending restart. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.wake?.();
    await this.current?.stop(graceMs);
    await this.loop.catch(() => undefined);
    // ffmpeg flushed its last fragments on SIGTERM: they are stored before the playlists are closed.
    await this.packager?.ladder.close();
  }
}
