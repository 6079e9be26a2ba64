/**
 * Glue between RTMP ingest, the publish gate and the transcoders: one live
 * session per channel session, keyed in memory by stream key while live or
 * inside the reconnect grace window.
 *
 * - publish requested → gate.authorize (or, inside the grace window of the
 *   same key, resume the waiting session) → accept or refuse;
 * - publish started → read the ingest's codec/size → one LiveTranscoder;
 * - publish ended → stop ffmpeg, start the grace timer; a reconnect in time
 *   continues the same playlists after `#EXT-X-DISCONTINUITY`; otherwise the
 *   playlists get `#EXT-X-ENDLIST` and gate.ended is called once.
 */
import { EventEmitter } from 'node:events';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@streamhub/logger/logger';
import type { LadderSettings, SourceInfo } from '../ffmpeg/ladder.ts';
import type { FfmpegBinary } from '../ffmpeg/locate.ts';
import type { IngestHandlers, PublishDecision, PublishRequest, RtmpIngest } from '../ingest/rtmp-ingest.ts';
import { LiveTranscoder, type RestartPolicy } from './live-transcoder.ts';
import type { PublishGate } from './publish-gate.ts';

export interface LiveManagerOptions {
  gate: PublishGate;
  ffmpeg: FfmpegBinary;
  /** `<dataDir>/media/live`; each session writes to `<liveDir>/<playbackId>/`. */
  liveDir: string;
  settings: LadderSettings;
  reconnectGraceMs: number;
  /** A gate that has not answered after this long refuses the publish (default 10 s). */
  authorizeTimeoutMs?: number;
  /** How long to wait for the publisher's first video packet before giving up on a publish. */
  mediaInfoTimeoutMs?: number;
  restart?: RestartPolicy;
  logger: Logger;
}

export interface LiveSessionView {
  sessionId: string;
  playbackId: string;
  record: boolean;
  outputDir: string;
  /** Publishes that fed this session (1 + reconnects). */
  publishes: number;
  source: (SourceInfo & { videoCodec: string; audioCodec: string }) | undefined;
  state: 'live' | 'reconnect-grace';
}

export interface LiveManagerEvents {
  /** First accepted publish of a session (not on reconnect). */
  sessionStarted: [LiveSessionView];
  /** A publish continued a session inside its grace window. */
  sessionResumed: [LiveSessionView];
  /** Every variant of the current publish has a segment: playable. */
  playable: [LiveSessionView & { elapsedMs: number }];
  publishRefused: [{ reason: string }];
  /** An ffmpeg process was spawned for the session (attempt > 1: a restart after it died). */
  transcoderStarted: [LiveSessionView & { pid: number | undefined; attempt: number }];
  sessionEnded: [LiveSessionView & { recorded: boolean }];
  transcoderFailed: [LiveSessionView & { reason: string }];
}

interface LiveSession {
  sessionId: string;
  playbackId: string;
  record: boolean;
  streamKey: string;
  outputDir: string;
  connectionId: string | undefined;
  publishes: number;
  wroteOutput: boolean;
  source: LiveSessionView['source'];
  transcoder: LiveTranscoder | undefined;
  /** The previous publish's ffmpeg shutting down; a reconnect waits for it before appending. */
  previousStopped: Promise<void>;
  graceTimer: NodeJS.Timeout | undefined;
  ending: Promise<void> | undefined;
}

const PLAYBACK_ID = /^[A-Za-z0-9_-]{1,128}$/;

export class LiveManager extends EventEmitter<LiveManagerEvents> implements IngestHandlers {
  private readonly options: LiveManagerOptions;
  private ingest: RtmpIngest | undefined;
  private readonly byKey = new Map<string, LiveSession>();
  private readonly byConnection = new Map<string, LiveSession>();
  private readonly pendingKeys = new Set<string>();
  private closing = false;

  constructor(options: LiveManagerOptions) {
    super();
    this.options = options;
  }

  /** The ingest is created after the manager (it needs the handlers); attach it before it accepts anything. */
  attach(ingest: RtmpIngest): void {
    this.ingest = ingest;
  }

  sessions(): LiveSessionView[] {
    return [...this.byKey.values()].map((s) => this.view(s));
  }

  private view(s: LiveSession): LiveSessionView {
    return {
      sessionId: s.sessionId,
      playbackId: s.playbackId,
      record: s.record,
      outputDir: s.outputDir,
      publishes: s.publishes,
      source: s.source,
      state: s.connectionId ? 'live' : 'reconnect-grace',
    };
  }

  private refuse(reason: string): PublishDecision {
    this.emit('publishRefused', { reason });
    return { accept: false, reason };
  }

  async publishRequested(request: PublishRequest): Promise<PublishDecision> {
    const { streamKey, connectionId } = request;
    if (this.closing) return this.refuse('media node is shutting down');
    if (this.pendingKeys.has(streamKey)) return this.refuse('another publish with this key is being checked');
    const existing = this.byKey.get(streamKey);
    if (existing) {
      if (existing.connectionId || existing.ending)
        return this.refuse('this stream is already being published');
      // Inside the grace window: the same session continues.
      if (existing.graceTimer) clearTimeout(existing.graceTimer);
      existing.graceTimer = undefined;
      existing.connectionId = connectionId;
      existing.publishes += 1;
      this.byConnection.set(connectionId, existing);
      this.options.logger.info(
        { sessionId: existing.sessionId, playbackId: existing.playbackId },
        'publisher reconnected',
      );
      this.emit('sessionResumed', this.view(existing));
      return { accept: true };
    }
    this.pendingKeys.add(streamKey);
    try {
      const timeoutMs = this.options.authorizeTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const authorizing = this.options.gate.authorize(streamKey);
      const auth = await Promise.race([
        authorizing,
        new Promise<{ ok: false; reason: string }>((resolve) => {
          timer = setTimeout(() => {
            timedOut = true;
            resolve({ ok: false, reason: 'publish check timed out' });
          }, timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (timedOut) {
        // A late yes opened a session nobody will feed: close it again.
        void authorizing
          .then((late) =>
            late.ok ? this.options.gate.ended(late.sessionId, { recorded: false }) : undefined,
          )
          .catch(() => undefined);
      }
      if (!auth.ok) return this.refuse(auth.reason);
      if (!PLAYBACK_ID.test(auth.playbackId)) return this.refuse('invalid playback id from the gate');
      if (this.closing) return this.refuse('media node is shutting down');
      const session: LiveSession = {
        sessionId: auth.sessionId,
        playbackId: auth.playbackId,
        record: auth.record,
        streamKey,
        outputDir: join(this.options.liveDir, auth.playbackId),
        connectionId,
        publishes: 1,
        wroteOutput: false,
        source: undefined,
        transcoder: undefined,
        previousStopped: Promise.resolve(),
        graceTimer: undefined,
        ending: undefined,
      };
      this.byKey.set(streamKey, session);
      this.byConnection.set(connectionId, session);
      this.options.logger.info(
        { sessionId: session.sessionId, playbackId: session.playbackId },
        'publish accepted',
      );
      this.emit('sessionStarted', this.view(session));
      return { accept: true };
    } finally {
      this.pendingKeys.delete(streamKey);
    }
  }

  publishStarted(connectionId: string): void {
    const session = this.byConnection.get(connectionId);
    if (!session || !this.ingest) return;
    void this.startTranscoder(session, connectionId);
  }

  private async startTranscoder(session: LiveSession, connectionId: string): Promise<void> {
    const ingest = this.ingest;
    if (!ingest) return;
    const log = this.options.logger.child({ sessionId: session.sessionId, playbackId: session.playbackId });
    const [info] = await Promise.all([
      ingest.mediaInfo(connectionId, this.options.mediaInfoTimeoutMs ?? 5000),
      session.previousStopped,
    ]);
    if (session.connectionId !== connectionId || this.closing) return;
    if (!info) {
      log.warn('no video from the publisher; nothing to transcode');
      return;
    }
    session.source = info;
    const transcoder = new LiveTranscoder({
      ffmpeg: this.options.ffmpeg,
      input: ingest.localUrl(session.streamKey),
      outputDir: session.outputDir,
      source: info,
      settings: this.options.settings,
      record: session.record,
      continueExisting: session.wroteOutput,
      restart: this.options.restart,
      logger: log,
    });
    session.transcoder = transcoder;
    session.wroteOutput = true;
    transcoder.on('started', ({ pid, attempt }) => {
      log.info({ pid, attempt, source: info }, 'ffmpeg started');
      this.emit('transcoderStarted', { ...this.view(session), pid, attempt });
    });
    transcoder.on('firstSegment', ({ elapsedMs }) => {
      log.info({ elapsedMs }, 'live HLS playable');
      this.emit('playable', { ...this.view(session), elapsedMs });
    });
    transcoder.on('failed', ({ reason }) => {
      log.error({ reason }, 'live transcoder failed');
      this.emit('transcoderFailed', { ...this.view(session), reason });
    });
    transcoder.start();
  }

  publishEnded(connectionId: string): void {
    const session = this.byConnection.get(connectionId);
    if (!session) return;
    this.byConnection.delete(connectionId);
    if (session.connectionId !== connectionId) return;
    session.connectionId = undefined;
    const transcoder = session.transcoder;
    session.transcoder = undefined;
    const stopped = transcoder ? transcoder.stop() : Promise.resolve();
    session.previousStopped = stopped;
    if (this.closing) return;
    this.options.logger.info(
      { sessionId: session.sessionId, graceMs: this.options.reconnectGraceMs },
      'publisher left; waiting for a reconnect',
    );
    session.graceTimer = setTimeout(() => {
      session.graceTimer = undefined;
      void stopped.then(() => this.endSession(session));
    }, this.options.reconnectGraceMs);
  }

  private endSession(session: LiveSession): Promise<void> {
    if (session.connectionId) return Promise.resolve(); // resumed meanwhile
    session.ending ??= (async () => {
      if (session.graceTimer) clearTimeout(session.graceTimer);
      await session.transcoder?.stop();
      if (session.wroteOutput) await closePlaylists(session.outputDir);
      const recorded = session.record && session.wroteOutput;
      try {
        await this.options.gate.ended(session.sessionId, { recorded });
      } catch (error) {
        this.options.logger.error({ err: error, sessionId: session.sessionId }, 'gate.ended failed');
      }
      this.byKey.delete(session.streamKey);
      this.options.logger.info({ sessionId: session.sessionId, recorded }, 'live session ended');
      this.emit('sessionEnded', { ...this.view(session), recorded });
    })();
    return session.ending;
  }

  /** Stops every transcoder and ends every session (publishers are disconnected by the ingest's close). */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.byKey.values()];
    for (const s of all) s.connectionId = undefined;
    await Promise.all(all.map((s) => this.endSession(s)));
  }
}

/** Appends `#EXT-X-ENDLIST` to every variant playlist of a session that does not have it. */
export async function closePlaylists(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.m3u8') || name === 'master.m3u8') continue;
    const path = join(dir, name);
    const text = await readFile(path, 'utf8');
    if (!text.includes('#EXT-X-ENDLIST'))
      await appendFile(path, `${text.endsWith('\n') ? '' : '\n'}#EXT-X-ENDLIST\n`);
  }
}
