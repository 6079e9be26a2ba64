/**
 * The media node: RTMP ingest + publish gate + live HLS ladder. Runs inside
 * `streamhub dev` or alone (`streamhub serve media`).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '@streamhub/config/config';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { NodeLiveness } from '@streamhub/infra/node-liveness/port';
import type { Logger } from '@streamhub/logger/logger';
import { type FfmpegBinary, locateFfmpeg } from './ffmpeg/locate.ts';
import { warmFfmpegCapabilities } from './ffmpeg/run.ts';
import { hasParentDeathGuard, warnIfUnguarded } from './ffmpeg/spawn.ts';
import { IngestRouter } from './ingest/ingest-router.ts';
import { startRtmpIngest } from './ingest/rtmp-ingest.ts';
import { startSrtIngest } from './ingest/srt-ingest.ts';
import { LiveManager } from './live/live-manager.ts';
import { discardPlaybackFiles, recoverHeldSessions, sweepLeftovers } from './live/live-recovery.ts';
import { gateWithTakeover, holdNodeLease, startOrphanSweep } from './live/live-takeover.ts';
import { startLiveThumbnails } from './live/live-thumbnails.ts';
import type { RestartPolicy } from './live/live-transcoder.ts';
import { openPlaylistNotifier } from './live/llhls/playlist-notifier.ts';
import type { PublishGate } from './live/publish-gate.ts';
import { Restreamer } from './live/restream.ts';
import type { RestreamBackoff } from './live/restream-forwarder.ts';
import type { RestreamTargets } from './live/restream-port.ts';

export type { LiveManagerEvents, LiveSessionView, SessionEndCause } from './live/live-manager.ts';
export type { PublishAuthorization, PublishGate, SessionEndInfo } from './live/publish-gate.ts';
export type {
  RestreamDestination,
  RestreamState,
  RestreamStatus,
  RestreamTargets,
} from './live/restream-port.ts';

export interface MediaNodeOptions {
  config: Config;
  logger: Logger;
  gate: PublishGate;
  /** The process's media storage: live HLS, thumbnails and recordings go there. */
  media: MediaStorage;
  /** Overrides the binary chosen from config (tests, status). */
  ffmpeg?: FfmpegBinary;
  /** ffmpeg restart back-off; defaults to 5 restarts, 0.5 s doubling to 8 s. */
  restart?: RestartPolicy;
  /** A gate that has not answered after this long refuses the publish (default 10 s). */
  authorizeTimeoutMs?: number;
  /** Overrides MEDIA_NODE_ID (tests that start several nodes on one config). */
  nodeId?: string;
  /** Bitrate sampling (default: first after 5 s, then every 60 s). */
  bitrateSampling?: { firstMs: number; everyMs: number };
  /** Overrides config.media.srtPort (tests: 0 picks a free UDP port). */
  srtPort?: number;
  /** Where live sessions are forwarded to (simulcast); none without it. */
  restream?: RestreamTargets;
  /** Restream retry back-off (default 1 s doubling to 30 s). */
  restreamBackoff?: RestreamBackoff;
  /**
   * Where nodes renew their leases (Redis in a scale-out). With it this node keeps a lease of
   * MEDIA_NODE_LEASE_SECONDS and takes over the sessions of nodes whose lease ran out (`live-takeover.ts`);
   * without it only a restart under the same id ends what a crashed node held.
   */
  liveness?: NodeLiveness;
}

export interface MediaNode {
  /** The port RTMP listens on (config.media.rtmpPort, or the one picked for 0). */
  rtmpPort: number;
  /** The UDP port SRT listens on; undefined when SRT ingest is off (SRT_PORT unset). */
  srtPort: number | undefined;
  /** Which ffmpeg runs (path, version line, source) for logs and `streamhub status`. */
  ffmpeg: FfmpegBinary;
  /** Where the live HLS goes (`live/<playbackId>/…`, see `@streamhub/infra/media-storage/keys`). */
  media: MediaStorage;
  /** The id this node stores with its sessions: MEDIA_NODE_ID, else `<hostname>:<RTMP_PORT>`. */
  nodeId: string;
  /** Session life-cycle events (started, resumed, playable, ingestBitrate, ended, refused, transcoderFailed). */
  events: Pick<LiveManager, 'on' | 'off' | 'once' | 'sessions'>;
  /** Cuts a session this node holds at once (no grace window); false when it holds no such session. */
  terminate(sessionId: string, reason: string): Promise<boolean>;
  /** Disconnects publishers, stops ffmpeg, closes playlists and ends sessions. */
  close(): Promise<void>;
}

export async function startMediaNode(options: MediaNodeOptions): Promise<MediaNode> {
  const { config, media } = options;
  const logger = options.logger.child({ component: 'media-node' });
  const ffmpeg = options.ffmpeg ?? (await locateFfmpeg({ ffmpegPath: config.media.ffmpegPath }));
  logger.info(
    {
      ffmpeg: ffmpeg.path,
      version: ffmpeg.version,
      source: ffmpeg.source,
      parentDeathSignal: hasParentDeathGuard(),
    },
    'using ffmpeg',
  );
  warnIfUnguarded(logger);
  await warmFfmpegCapabilities(ffmpeg.path).catch((error: unknown) =>
    // Not fatal: the first publish asks again and reports a broken binary through the transcoder.
    logger.warn({ err: error }, 'could not read ffmpeg capabilities'),
  );
  const nodeId = options.nodeId ?? config.media.nodeId ?? defaultNodeId(config.media.rtmpPort);
  const { liveness } = options;
  const leaseMs = config.media.nodeLeaseSeconds * 1000;
  const gate = liveness
    ? gateWithTakeover({ gate: options.gate, liveness, nodeId, media, logger })
    : options.gate;
  const lease = liveness && (await holdNodeLease({ liveness, nodeId, leaseMs, logger }));

  // Before accepting publishes: a channel whose session a crash left "live" could not go live again.
  await recoverHeldSessions({ gate, nodeId, media, logger });
  await sweepLeftovers({ gate, media, logger });

  // Gateways that do not share this node's files hold LL-HLS blocking reloads until they hear of a part.
  const notifier = await openPlaylistNotifier({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    onError: (error, context) => logger.warn({ err: error, ...context }, 'LL-HLS notice not sent'),
  });
  const manager = new LiveManager({
    gate,
    nodeId,
    ffmpeg,
    media,
    settings: {
      ladder: config.media.ladder,
      segmentSeconds: config.media.segmentSeconds,
      // The DVR window, in segments, when it is longer than the live window.
      windowSegments: Math.max(
        config.media.windowSegments,
        Math.ceil(config.media.dvrSeconds / config.media.segmentSeconds),
      ),
      x264Preset: config.media.x264Preset,
    },
    // Each publish applies LIVE_LL_HLS to its channel's choice (the gate's answer).
    ...(config.media.lowLatency !== 'off' && {
      lowLatency: {
        mode: config.media.lowLatency,
        partTargetSeconds: config.media.partTargetSeconds,
        windowSeconds: Math.max(
          config.media.dvrSeconds,
          config.media.windowSegments * config.media.segmentSeconds,
        ),
      },
    }),
    reconnectGraceMs: config.media.reconnectGraceSeconds * 1000,
    restart: options.restart,
    authorizeTimeoutMs: options.authorizeTimeoutMs,
    bitrateSampling: options.bitrateSampling,
    logger,
  });
  // Listening before the ingest opens, so no broadcast starts unwatched.
  const stopWatching = await gate.watchTerminations(async ({ sessionId, reason, discardFilesOf }) => {
    await manager.terminate(sessionId, reason);
    if (discardFilesOf) await discardPlaybackFiles({ media, logger }, discardFilesOf);
  });
  const orphans =
    liveness &&
    startOrphanSweep({
      gate,
      liveness,
      nodeId,
      media,
      leaseMs,
      logger,
      here: {
        sessionIds: () => manager.sessions().map((session) => session.sessionId),
        cut: (sessionId) => manager.terminate(sessionId, 'ended_elsewhere'),
      },
    });
  // RTMP and SRT publishers reach the manager through one router (SRT is relayed into RTMP).
  const ingest = new IngestRouter(manager);
  const srtPort = options.srtPort ?? config.media.srtPort;
  try {
    ingest.attachRtmp(
      await startRtmpIngest({
        port: config.media.rtmpPort,
        host: config.host,
        logger: logger.child({ component: 'rtmp-ingest' }),
        handlers: ingest,
      }),
    );
    if (srtPort !== undefined) {
      ingest.attachSrt(
        await startSrtIngest({
          port: srtPort,
          host: config.host,
          ffmpegPath: ffmpeg.path,
          rtmpPort: ingest.port,
          handlers: ingest,
          encryption: config.media.srtEncryption,
          logger: logger.child({ component: 'srt-ingest' }),
        }),
      );
    }
  } catch (error) {
    stopWatching();
    await orphans?.stop();
    await ingest.close();
    await notifier.close();
    await lease?.stop();
    throw error;
  }
  manager.attach(ingest);
  const restreamer =
    options.restream &&
    new Restreamer({
      targets: options.restream,
      ffmpegPath: ffmpeg.path,
      sessions: () => manager.sessions(),
      source: ingest,
      backoff: options.restreamBackoff,
      logger: logger.child({ component: 'restream' }),
    });
  manager.on('playlistUpdated', ({ playbackId, name, lastMsn, lastPart }) => {
    notifier
      .publish('live.playlist_updated', { playbackId, rendition: name, lastMsn, lastPart })
      .catch((error: unknown) => logger.warn({ err: error }, 'LL-HLS notice not sent'));
  });
  const thumbnails = startLiveThumbnails(manager, {
    ffmpegPath: ffmpeg.path,
    media,
    intervalMs: config.media.thumbnailSeconds * 1000,
    logger,
  });
  logger.info({ rtmpPort: ingest.port, srtPort: ingest.srtPort, nodeId }, 'ingest listening');

  let closing: Promise<void> | undefined;
  return {
    rtmpPort: ingest.port,
    srtPort: ingest.srtPort,
    ffmpeg,
    media,
    nodeId,
    events: manager,
    terminate: (sessionId, reason) => manager.terminate(sessionId, reason),
    close() {
      closing ??= (async () => {
        stopWatching();
        thumbnails.stop();
        await orphans?.stop();
        await restreamer?.close();
        await manager.close();
        await notifier.close();
        await ingest.close();
        // Released last: until its sessions are ended, no other node may take them over.
        await lease?.stop();
      })();
      return closing;
    },
  };
}

/**
 * `<hostname>:<RTMP_PORT>`: unique among nodes running at once, and the same after a restart on a host
 * whose name is stable (not a container's). Port 0 (tests) is a new port each run, so such a node can
 * never be "the same node" again and gets a fresh id.
 */
function defaultNodeId(rtmpPort: number): string {
  return `${hostname()}:${rtmpPort === 0 ? randomUUID() : rtmpPort}`;
}
