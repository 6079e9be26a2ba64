/**
 * RTMP ingest: the ONLY module that touches node-media-server (pinned 2.7.4,
 * see docs/live.md). The rest of the media node sees our own small interface:
 * a publish is requested (accept or refuse, asynchronously), started, ended.
 *
 * 2.7.4 quirks handled here:
 * - `NodeMediaServer.run()` installs a process-wide `uncaughtException`
 *   swallower and a SIGINT `process.exit()`, and starts an HTTP server; so we
 *   run its RTMP server class alone and listen ourselves (which also gives the
 *   bind address and port 0 that 2.7.4 lacks).
 * - Its `prePublish` hook is synchronous, but our check is async. We wrap the
 *   session's `onPublish` so `NetStream.Publish.Start` is only sent after the
 *   gate accepts; a refusal closes the socket before any media is accepted.
 * - Sessions and events live in module globals shared by every server in the
 *   process; we only handle sockets our own TCP server accepted.
 * - Its logger prints to stdout; we set it to NONE.
 *
 * The stream key is the RTMP stream name (`/live/<key>`); it never leaves this
 * module except to the publish check, and is never logged. The local
 * transcoder pulls an accepted stream under a random alias instead
 * (`/live/<alias>`, see {@link RtmpIngest.localUrl}): 2.7.4 finds a stream's
 * publisher by path in its `publishers` map, so the alias is one more entry
 * there for the same session. So the key is in no process's arguments.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Logger } from '@streamhub/logger/logger';

const require = createRequire(import.meta.url);

export const RTMP_APP = 'live';

export type PublishDecision = { accept: true } | { accept: false; reason: string };

export interface PublishRequest {
  /** node-media-server's session id; correlates started/ended with the request. */
  connectionId: string;
  streamKey: string;
  remoteAddress: string;
}

export interface IngestHandlers {
  publishRequested(request: PublishRequest): Promise<PublishDecision>;
  /** The publisher got `NetStream.Publish.Start`; media is flowing into the node. */
  publishStarted(connectionId: string): void;
  /** The publisher of an accepted stream stopped or dropped (fires once per started publish). */
  publishEnded(connectionId: string): void;
}

export interface IngestMediaInfo {
  width: number;
  height: number;
  fps: number;
  hasAudio: boolean;
  videoCodec: string;
  audioCodec: string;
}

export interface RtmpIngest {
  readonly port: number;
  /**
   * `rtmp://127.0.0.1:<port>/live/<alias>` of a connection that is publishing: a random name for its
   * stream, valid while this publish lasts, for the local transcoder. Never the stream key. Undefined
   * once the connection stopped publishing.
   */
  localUrl(connectionId: string): string | undefined;
  /** Waits (up to `timeoutMs`) for the codec/size of a started publish; undefined if none arrived. */
  mediaInfo(connectionId: string, timeoutMs: number): Promise<IngestMediaInfo | undefined>;
  /**
   * Bytes the connection's socket has received so far (RTMP framing included, ~1% over the media),
   * or undefined once the connection is gone. Still readable inside `publishEnded`.
   */
  bytesReceived(connectionId: string): number | undefined;
  /**
   * Seconds between the publisher's last two keyframes (by their RTMP timestamps), or undefined before
   * two have arrived: the encoder's keyframe interval, which the studio's ingest health shows. Optional:
   * an ingest that cannot see the encoder's frames (or a router over several) may leave it out.
   */
  keyframeInterval?(connectionId: string): number | undefined;
  /** Closes a publisher's connection (its `publishEnded` fires); false when it is not connected. */
  disconnect(connectionId: string): boolean;
  close(): Promise<void>;
}

export interface RtmpIngestOptions {
  port: number;
  host?: string;
  logger: Logger;
  handlers: IngestHandlers;
}

// Minimal shapes of the node-media-server 2.7.4 internals we use.
interface NmsSession {
  id: string;
  ip: string;
  socket: Socket;
  appname: string;
  isStarting: boolean;
  isPublishing: boolean;
  parserPacket: { header: { stream_id: number; length: number }; clock: number; payload: Buffer };
  videoWidth: number;
  videoHeight: number;
  videoFps: number;
  videoCodec: number;
  videoCodecName: string;
  audioCodec: number;
  audioCodecName: string;
  onPublish(message: { streamName?: unknown }): void;
  rtmpVideoHandler(): void;
  reject(): void;
  stop(): void;
}
interface NmsContext {
  sessions: Map<string, NmsSession>;
  /** Stream path (`/live/<name>`) → id of the session publishing it; players look streams up here. */
  publishers: Map<string, string>;
  nodeEvent: import('node:events').EventEmitter;
}
type NmsRtmpServerClass = new (config: unknown) => { tcpServer: Server };

const nmsContext = require('node-media-server/src/node_core_ctx.js') as NmsContext;
const NmsRtmpServer = require('node-media-server/src/node_rtmp_server.js') as NmsRtmpServerClass;
const nmsLogger = require('node-media-server/src/node_core_logger.js') as { setLogType(type: number): void };

/**
 * Whether an RTMP video message is a keyframe with picture data (FLV video tag: frame type 1 in the
 * high nibble), not the codec's sequence header, which is flagged as a keyframe too: for legacy AVC
 * and HEVC tags the AVCPacketType (byte 1) is 0, for Enhanced RTMP tags the low nibble (PacketType) is 0.
 */
export function isKeyframePacket(payload: Buffer): boolean {
  const first = payload[0];
  if (first === undefined || ((first >> 4) & 0b0111) !== 1) return false;
  const extendedHeader = (first & 0x80) !== 0;
  return extendedHeader ? (first & 0x0f) !== 0 : payload[1] !== 0;
}

/** Parses `live` + `<key>?query` into the key, or undefined for anything else. */
export function streamKeyFrom(app: string, streamName: string): string | undefined {
  if (app !== RTMP_APP) return undefined;
  const key = streamName.split('?')[0] ?? '';
  return /^[A-Za-z0-9_-]{1,200}$/.test(key) ? key : undefined;
}

export async function startRtmpIngest(options: RtmpIngestOptions): Promise<RtmpIngest> {
  const { logger, handlers } = options;
  nmsLogger.setLogType(0);

  const nms = new NmsRtmpServer({
    rtmp: { port: options.port || 1935, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
  });
  const server = nms.tcpServer;
  const ourSockets = new WeakSet<Socket>();
  const ourSessions = new Map<string, NmsSession>();
  const started = new Set<string>();
  /** RTMP timestamps (ms) of each connection's last two keyframes. */
  const keyframes = new Map<string, { previous: number | undefined; last: number }>();
  /** Alias stream path of each publishing connection. */
  const aliases = new Map<string, string>();
  const dropAlias = (id: string) => {
    const path = aliases.get(id);
    aliases.delete(id);
    if (path && nmsContext.publishers.get(path) === id) nmsContext.publishers.delete(path);
  };
  server.on('connection', (socket: Socket) => ourSockets.add(socket));

  const onPreConnect = (id: string) => {
    const session = nmsContext.sessions.get(id);
    if (!session || !ourSockets.has(session.socket) || ourSessions.has(id)) return;
    ourSessions.set(id, session);
    // Registered after node-media-server's own close handler (which emits donePublish), so the session,
    // and with it the socket's byte count, is still here while publishEnded runs.
    session.socket.once('close', () => {
      ourSessions.delete(id);
      keyframes.delete(id);
      dropAlias(id);
    });
    const originalVideoHandler = session.rtmpVideoHandler.bind(session);
    session.rtmpVideoHandler = () => {
      const { payload, header, clock } = session.parserPacket;
      if (isKeyframePacket(payload.subarray(0, Math.min(2, header.length)))) {
        const seen = keyframes.get(id);
        // A timestamp going back (encoder restart) starts the measure over.
        keyframes.set(id, { previous: seen && clock > seen.last ? seen.last : undefined, last: clock });
      }
      originalVideoHandler();
    };
    const originalOnPublish = session.onPublish.bind(session);
    session.onPublish = (message) => {
      if (typeof message.streamName !== 'string') return;
      const streamId = session.parserPacket.header.stream_id;
      const streamKey = streamKeyFrom(session.appname, message.streamName);
      const log = logger.child({ connectionId: id, remoteAddress: session.ip });
      if (!streamKey) {
        log.warn({ app: session.appname }, 'publish refused: not /live/<stream key>');
        session.reject();
        return;
      }
      handlers.publishRequested({ connectionId: id, streamKey, remoteAddress: session.ip }).then(
        (decision) => {
          if (!session.isStarting) return; // the publisher left while we were deciding
          if (!decision.accept) {
            log.info({ reason: decision.reason }, 'publish refused');
            session.reject();
            return;
          }
          // node-media-server reads the stream id from the packet being parsed: restore ours for this call.
          const current = session.parserPacket.header.stream_id;
          session.parserPacket.header.stream_id = streamId;
          originalOnPublish(message);
          session.parserPacket.header.stream_id = current;
          if (session.isPublishing) {
            const alias = `/${RTMP_APP}/${randomBytes(18).toString('base64url')}`;
            nmsContext.publishers.set(alias, id);
            aliases.set(id, alias);
            started.add(id);
            handlers.publishStarted(id);
          } else {
            log.warn('publish accepted by the gate but not by the RTMP server (stream already published?)');
            session.reject();
          }
        },
        (error: unknown) => {
          log.error({ err: error }, 'publish refused: authorization failed');
          session.reject();
        },
      );
    };
  };

  const onDonePublish = (id: string) => {
    // node-media-server forgets the key's path right after this event; the alias goes with it.
    dropAlias(id);
    if (!started.delete(id)) return;
    try {
      handlers.publishEnded(id);
    } catch (error) {
      logger.error({ err: error, connectionId: id }, 'publishEnded handler threw');
    }
  };

  nmsContext.nodeEvent.on('preConnect', onPreConnect);
  nmsContext.nodeEvent.on('donePublish', onDonePublish);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    nmsContext.nodeEvent.off('preConnect', onPreConnect);
    nmsContext.nodeEvent.off('donePublish', onDonePublish);
    throw error;
  }
  server.on('error', (error) => logger.error({ err: error }, 'RTMP server error'));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    localUrl(connectionId) {
      const alias = aliases.get(connectionId);
      return alias && `rtmp://127.0.0.1:${port}${alias}`;
    },
    async mediaInfo(connectionId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let videoSeenAt: number | undefined;
      for (;;) {
        const s = ourSessions.get(connectionId);
        if (!s?.isPublishing) return undefined;
        if (s.videoWidth > 0 && s.videoHeight > 0 && s.videoCodec > 0) {
          videoSeenAt ??= Date.now();
          // Audio usually follows the first video packet within a few ms; give it a moment.
          if (s.audioCodec > 0 || Date.now() - videoSeenAt > 400 || Date.now() > deadline) {
            return {
              width: s.videoWidth,
              height: s.videoHeight,
              fps: s.videoFps,
              hasAudio: s.audioCodec > 0,
              videoCodec: s.videoCodecName,
              audioCodec: s.audioCodecName,
            };
          }
        } else if (Date.now() > deadline) return undefined;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    bytesReceived(connectionId) {
      return ourSessions.get(connectionId)?.socket.bytesRead;
    },
    keyframeInterval(connectionId) {
      const seen = keyframes.get(connectionId);
      return seen?.previous === undefined ? undefined : (seen.last - seen.previous) / 1000;
    },
    disconnect(connectionId) {
      const session = ourSessions.get(connectionId);
      if (!session) return false;
      session.stop();
      return true;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of [...ourSessions.values()]) session.stop();
      for (const id of [...aliases.keys()]) dropAlias(id);
      nmsContext.nodeEvent.off('preConnect', onPreConnect);
      nmsContext.nodeEvent.off('donePublish', onDonePublish);
      await closed;
    },
  };
}
