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
 *   playlists get `#EXT-X-ENDLIST` and gate.ended is called once;
 * - terminate (owner suspended, key revoked) → disconnect the publisher and end
 *   at once, without a grace window;
 * - once the gate has marked an unrecorded session ended, its files are deleted.
 *
 * It also measures the ingest bitrate from the bytes the publisher's socket
 * received: the session's running average a few seconds in, then periodically,
 * and the whole session's at the end.
 */
import { EventEmitter } from 'node:events';
import { type LowLatencyMode, lowLatencyFor } from '@streamhub/config/config';
import {
  isPlaybackId,
  keyIn,
  type MediaPrefix,
  mediaKeys,
  nameIn,
} from '@streamhub/infra/media-storage/keys';
import { type LocalDirectory, type MediaStorage, readMediaBytes } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import type { LadderSettings, SourceInfo } from '../ffmpeg/ladder.ts';
import type { FfmpegBinary } from '../ffmpeg/locate.ts';
import type { IngestHandlers, PublishDecision, PublishRequest, RtmpIngest } from '../ingest/rtmp-ingest.ts';
import { LiveOutputUpload } from './live-output-upload.ts';
import { LiveTranscoder, type RestartPolicy } from './live-transcoder.ts';
import type { LowLatencySettings } from './llhls/ladder-packager.ts';
import type { RenditionEdge } from './llhls/rendition-packager.ts';
import type { PublishGate } from './publish-gate.ts';

export interface LiveManagerOptions {
  gate: PublishGate;
  /** This node's id, stored with each session it opens (see PublishContext). */
  nodeId: string;
  ffmpeg: FfmpegBinary;
  /** Each session's ffmpeg writes into the local directory of `live/<playbackId>`. */
  media: MediaStorage;
  settings: LadderSettings;
  /**
   * How sessions are packaged as LL-HLS (fMP4 parts) instead of ffmpeg's HLS, and for which: `mode` is
   * LIVE_LL_HLS, applied to each channel's choice at publish time. Absent → no session gets LL-HLS.
   */
  lowLatency?: LowLatencySettings & { mode: LowLatencyMode };
  reconnectGraceMs: number;
  /** A gate that has not answered after this long refuses the publish (default 10 s). */
  authorizeTimeoutMs?: number;
  /** How long to wait for the publisher's first video packet before giving up on a publish. */
  mediaInfoTimeoutMs?: number;
  restart?: RestartPolicy;
  /** When the first bitrate sample is taken after a publish starts (default 5 s), then how often (default 10 s). */
  bitrateSampling?: { firstMs: number; everyMs: number };
  logger: Logger;
}

/** Why a session ended: the grace window passed after the publisher left, the node closed, or it was cut. */
export type SessionEndCause = 'publisher-left' | 'node-closing' | 'terminated';

export interface LiveSessionView {
  sessionId: string;
  playbackId: string;
  record: boolean;
  /** Packaged as LL-HLS (fMP4 parts), chosen once at the first publish and kept across reconnects. */
  lowLatency: boolean;
  /** The local directory ffmpeg writes the session's HLS into (see MediaStorage.localDirectory). */
  outputDir: string;
  /** Publishes that fed this session (1 + reconnects). */
  publishes: number;
  source: (SourceInfo & { videoCodec: string; audioCodec: string }) | undefined;
  state: 'live' | 'reconnect-grace';
  /** The ingest connection publishing now (undefined inside the grace window): restreams read its source. */
  connectionId: string | undefined;
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
  /**
   * The session's running average ingest bitrate (bits per second), while a publisher is connected, with
   * the publisher's keyframe interval in seconds once two keyframes have arrived.
   */
  ingestBitrate: [LiveSessionView & { bitrate: number; keyframeInterval: number | undefined }];
  /** After gate.ended, and after an unrecorded session's files were deleted. */
  sessionEnded: [
    LiveSessionView & {
      recorded: boolean;
      cause: SessionEndCause;
      /** The reason given to {@link LiveManager.terminate}. */
      terminationReason: string | undefined;
      /** Whole-session average ingest bitrate, bits per second. */
      bitrate: number | undefined;
    },
  ];
  transcoderFailed: [LiveSessionView & { reason: string }];
  /** LL-HLS: a rendition's stored playlist names a new part (gateways release blocked reloads on it). */
  playlistUpdated: [{ playbackId: string } & RenditionEdge];
}

interface LiveSession {
  sessionId: string;
  playbackId: string;
  record: boolean;
  /** See {@link LiveSessionView.lowLatency}: a reconnect must continue playlists of the same kind. */
  lowLatency: boolean;
  streamKey: string;
  output: LocalDirectory;
  /** Uploads the output as ffmpeg finishes it, when the directory is a copy of an object store's prefix. */
  upload: LiveOutputUpload | undefined;
  connectionId: string | undefined;
  publishes: number;
  wroteOutput: boolean;
  source: LiveSessionView['source'];
  transcoder: LiveTranscoder | undefined;
  /** The previous publish's ffmpeg shutting down; a reconnect waits for it before appending. */
  previousStopped: Promise<void>;
  graceTimer: NodeJS.Timeout | undefined;
  ending: Promise<void> | undefined;
  endCause: SessionEndCause;
  terminationReason: string | undefined;
  /** Bytes and milliseconds of the publishes that are over. */
  ingestBytes: number;
  ingestMs: number;
  /** The connected publish's socket byte count and time when it started. */
  publish: { connectionId: string; startBytes: number; startedAt: number } | undefined;
  bitrateTimer: NodeJS.Timeout | undefined;
}

// How often a live output copy is checked for finished segments: a small part of a 2 s segment.
const LIVE_UPLOAD_INTERVAL_MS = 200;
// Every 10 s: the creator studio shows these samples as the live ingest's health.
const DEFAULT_BITRATE_SAMPLING = { firstMs: 5000, everyMs: 10_000 };
// A terminate for a session this node does not know yet may race its authorization; remember it this long.
const EARLY_TERMINATION_TTL_MS = 60_000;

export class LiveManager extends EventEmitter<LiveManagerEvents> implements IngestHandlers {
  private readonly options: LiveManagerOptions;
  private ingest: RtmpIngest | undefined;
  private readonly byKey = new Map<string, LiveSession>();
  private readonly byConnection = new Map<string, LiveSession>();
  private readonly pendingKeys = new Set<string>();
  /** Sessions terminated before this node registered them (their authorization was still in flight). */
  private readonly terminatedEarly = new Map<string, NodeJS.Timeout>();
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
      lowLatency: s.lowLatency,
      outputDir: s.output.path,
      publishes: s.publishes,
      source: s.source,
      state: s.connectionId ? 'live' : 'reconnect-grace',
      connectionId: s.connectionId,
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
      const authorizing = this.options.gate.authorize(streamKey, { nodeId: this.options.nodeId });
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
      // Each refusal after an accepted check closes the session it opened, or the channel would stay "live".
      const refuseOpened = (reason: string) => {
        this.options.gate
          .ended(auth.sessionId, { recorded: false })
          .catch((error: unknown) =>
            this.options.logger.error({ err: error, sessionId: auth.sessionId }, 'gate.ended failed'),
          );
        return this.refuse(reason);
      };
      if (!isPlaybackId(auth.playbackId)) return refuseOpened('invalid playback id from the gate');
      if (this.closing) return refuseOpened('media node is shutting down');
      if (this.terminatedEarly.has(auth.sessionId)) {
        return refuseOpened('the session was terminated while the publish was being checked');
      }
      const output = await this.options.media.localDirectory(mediaKeys.livePrefix(auth.playbackId));
      const session: LiveSession = {
        sessionId: auth.sessionId,
        playbackId: auth.playbackId,
        record: auth.record,
        lowLatency: !!this.options.lowLatency && lowLatencyFor(this.options.lowLatency.mode, auth.lowLatency),
        streamKey,
        output,
        upload: undefined,
        connectionId,
        publishes: 1,
        wroteOutput: false,
        source: undefined,
        transcoder: undefined,
        previousStopped: Promise.resolve(),
        graceTimer: undefined,
        ending: undefined,
        endCause: 'publisher-left',
        terminationReason: undefined,
        ingestBytes: 0,
        ingestMs: 0,
        publish: undefined,
        bitrateTimer: undefined,
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
    session.publish = {
      connectionId,
      startBytes: this.ingest.bytesReceived(connectionId) ?? 0,
      startedAt: Date.now(),
    };
    if (!session.bitrateTimer) {
      const sampling = this.options.bitrateSampling ?? DEFAULT_BITRATE_SAMPLING;
      this.sampleBitrateIn(session, sampling.firstMs, sampling.everyMs);
    }
    void this.startTranscoder(session, connectionId);
  }

  private sampleBitrateIn(session: LiveSession, delayMs: number, everyMs: number): void {
    session.bitrateTimer = setTimeout(() => {
      const bitrate = this.averageBitrate(session);
      if (bitrate !== undefined && session.publish && !session.ending) {
        const keyframeInterval = this.ingest?.keyframeInterval?.(session.publish.connectionId);
        this.emit('ingestBitrate', { ...this.view(session), bitrate, keyframeInterval });
      }
      if (!session.ending) this.sampleBitrateIn(session, everyMs, everyMs);
    }, delayMs);
    session.bitrateTimer.unref();
  }

  /** Bits per second over every second a publisher was connected; undefined before there is a second of it. */
  private averageBitrate(session: LiveSession): number | undefined {
    let bytes = session.ingestBytes;
    let ms = session.ingestMs;
    const current = session.publish;
    const now = current ? this.ingest?.bytesReceived(current.connectionId) : undefined;
    if (current && now !== undefined) {
      bytes += now - current.startBytes;
      ms += Date.now() - current.startedAt;
    }
    if (ms < 1000 || bytes <= 0) return undefined;
    return Math.round((bytes * 8 * 1000) / ms);
  }

  /** Adds the connected publish to the session's totals; call before its connection goes. */
  private finishPublish(session: LiveSession): void {
    const current = session.publish;
    if (!current) return;
    session.publish = undefined;
    const bytes = this.ingest?.bytesReceived(current.connectionId);
    if (bytes === undefined) return;
    session.ingestBytes += bytes - current.startBytes;
    session.ingestMs += Date.now() - current.startedAt;
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
    // Under the publish's alias, never the stream key: ffmpeg's arguments are readable by any local user.
    const input = ingest.localUrl(connectionId);
    if (!input) return; // the publisher left meanwhile
    session.source = info;
    const transcoder = new LiveTranscoder({
      ffmpeg: this.options.ffmpeg,
      input,
      outputDir: session.output.path,
      source: info,
      settings: this.options.settings,
      record: session.record,
      continueExisting: session.wroteOutput,
      restart: this.options.restart,
      ...(session.lowLatency &&
        this.options.lowLatency && {
          lowLatency: {
            partTargetSeconds: this.options.lowLatency.partTargetSeconds,
            windowSeconds: this.options.lowLatency.windowSeconds,
            dir: session.output,
            media: this.options.media,
          },
        }),
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
    transcoder.on('partsUpdated', (edge) =>
      this.emit('playlistUpdated', { playbackId: session.playbackId, ...edge }),
    );
    transcoder.on('failed', ({ reason }) => {
      log.error({ reason }, 'live transcoder failed');
      this.emit('transcoderFailed', { ...this.view(session), reason });
    });
    transcoder.start();
    // LL-HLS sessions are published by their packager, which writes through the storage itself.
    if (!session.output.inPlace && !session.lowLatency) {
      session.upload ??= new LiveOutputUpload({
        directory: session.output,
        media: this.options.media,
        record: session.record,
        intervalMs: LIVE_UPLOAD_INTERVAL_MS,
        logger: log,
      });
      session.upload.start();
    }
  }

  publishEnded(connectionId: string): void {
    const session = this.byConnection.get(connectionId);
    if (!session) return;
    this.byConnection.delete(connectionId);
    if (session.connectionId !== connectionId) return;
    this.finishPublish(session);
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
      const log = this.options.logger.child({ sessionId: session.sessionId, playbackId: session.playbackId });
      if (session.graceTimer) clearTimeout(session.graceTimer);
      session.graceTimer = undefined;
      if (session.bitrateTimer) clearTimeout(session.bitrateTimer);
      await session.transcoder?.stop();
      await session.previousStopped;
      const { media } = this.options;
      if (session.wroteOutput) {
        try {
          // What ffmpeg wrote last becomes stored media before the playlists are closed there.
          await session.upload?.stop();
          await session.output.sync();
          await closePlaylists(media, session.output.prefix);
        } catch (error) {
          log.error({ err: error }, 'could not close the playlists of an ended session');
        }
      }
      await session.output.release();
      const recorded = session.record && session.wroteOutput;
      const bitrate = this.averageBitrate(session);
      let markedEnded = false;
      try {
        await this.options.gate.ended(session.sessionId, {
          recorded,
          ...(bitrate === undefined ? {} : { bitrate }),
        });
        markedEnded = true;
      } catch (error) {
        log.error({ err: error }, 'gate.ended failed');
      }
      // Only once the session is marked ended (playback then answers 404): deleting the files of a session
      // still called live would break its viewers. A failure here is swept at the node's next start.
      if (!recorded && markedEnded) await removeSessionFiles(media, session.output.prefix, log);
      this.byKey.delete(session.streamKey);
      log.info(
        { recorded, cause: session.endCause, reason: session.terminationReason, bitrate },
        'live session ended',
      );
      this.emit('sessionEnded', {
        ...this.view(session),
        recorded,
        cause: session.endCause,
        terminationReason: session.terminationReason,
        bitrate,
      });
    })();
    return session.ending;
  }

  /**
   * Cuts a session now: disconnects its publisher, stops ffmpeg and ends it without a grace window.
   * False when this node does not hold the session (every node hears the same request); the id is then
   * remembered for a while, in case its publish is still being authorized here.
   */
  async terminate(sessionId: string, reason: string): Promise<boolean> {
    const session = [...this.byKey.values()].find((s) => s.sessionId === sessionId);
    if (!session) {
      if (!this.closing && !this.terminatedEarly.has(sessionId)) {
        const timer = setTimeout(() => this.terminatedEarly.delete(sessionId), EARLY_TERMINATION_TTL_MS);
        timer.unref();
        this.terminatedEarly.set(sessionId, timer);
      }
      return false;
    }
    if (!session.ending) {
      this.options.logger.info(
        { sessionId, playbackId: session.playbackId, reason },
        'terminating live session',
      );
      session.endCause = 'terminated';
      session.terminationReason = reason;
      const connectionId = session.connectionId;
      if (connectionId) {
        this.finishPublish(session);
        session.connectionId = undefined;
        // Forgotten first, so the publishEnded that the disconnect fires finds nothing to wait for.
        this.byConnection.delete(connectionId);
        this.ingest?.disconnect(connectionId);
      }
    }
    await this.endSession(session);
    return true;
  }

  /** Stops every transcoder and ends every session (publishers are disconnected by the ingest's close). */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.terminatedEarly.values()) clearTimeout(timer);
    this.terminatedEarly.clear();
    const all = [...this.byKey.values()];
    for (const s of all) {
      if (s.ending) continue;
      this.finishPublish(s);
      s.connectionId = undefined;
      s.endCause = 'node-closing';
    }
    await Promise.all(all.map((s) => this.endSession(s)));
  }
}

/** Deletes a session's files; logs and resolves false instead of throwing (swept at the next start). */
export async function removeSessionFiles(
  media: MediaStorage,
  prefix: MediaPrefix,
  log: Logger,
): Promise<boolean> {
  try {
    await media.deletePrefix(prefix);
    return true;
  } catch (error) {
    log.warn({ err: error }, 'could not delete the files of an ended session');
    return false;
  }
}

/** The names of a session's variant playlists (`720p.m3u8`…), from the storage. */
export async function variantPlaylists(media: MediaStorage, prefix: MediaPrefix): Promise<string[]> {
  return (await media.list(prefix))
    .map((entry) => nameIn(prefix, entry.key))
    .filter((name): name is string => !!name && name.endsWith('.m3u8') && name !== 'master.m3u8');
}

/**
 * Appends `#EXT-X-ENDLIST` to every variant playlist of a session that does not have it, through the
 * storage: ffmpeg has stopped, so nothing else writes them.
 */
export async function closePlaylists(media: MediaStorage, prefix: MediaPrefix): Promise<void> {
  for (const name of await variantPlaylists(media, prefix)) {
    const key = keyIn(prefix, name);
    const text = (await readMediaBytes(media, key))?.toString('utf8');
    if (text === undefined || text.includes('#EXT-X-ENDLIST')) continue;
    await media.write(key, Buffer.from(`${text}${text.endsWith('\n') ? '' : '\n'}#EXT-X-ENDLIST\n`), {
      contentType: 'application/vnd.apple.mpegurl',
    });
  }
}
