/**
 * SRT ingest: a small UDP front on the SRT port that reads the caller's stream id before anything
 * else happens, then hands an accepted connection to one ffmpeg SRT listener of its own.
 *
 * Why a front: ffmpeg's `srt://…?mode=listener` accepts exactly one caller, whatever its stream id
 * (ffmpeg 5.1 never reads it), and `srt-live-transmit` has no access control either. So the front:
 * 1. answers the caller's induction itself (a stateless SYN cookie, see `srt-handshake.ts`);
 * 2. reads the stream key from the conclusion's stream id and asks the publish handlers (the live
 *    manager → the publish gate) — a refusal is sent back as an SRT rejection, and no process is
 *    started and no file written;
 * 3. on acceptance starts a relay: `ffmpeg -i srt://127.0.0.1:<free port>?mode=listener -c copy -f flv`
 *    into the node's own RTMP ingest under a one-time random name (never the key), replays the
 *    handshake to it with its cookie, and then relays datagrams both ways untouched.
 *
 * Encryption (SRT_PASSPHRASE): the handshake itself is clear text, so the front checks the caller's key
 * material against the passphrase before asking the gate (a wrong one is rejected as SRT_REJ_BADSECRET,
 * a caller that does not encrypt as SRT_REJ_UNSECURE) and gives the relay the same passphrase; the
 * media then stays encrypted end to end between the caller and the relay, the front moving ciphertext.
 *
 * The RTMP publish of a relay is claimed through {@link SrtIngest.claimRelay} (see `ingest-router.ts`),
 * so the live manager sees one connection (`srt-<n>`) with the same life cycle as an RTMP publisher:
 * grace window, recording, cut on revoke. The caller's SRT latency and retransmissions are handled by
 * libsrt in the caller and in the relay ffmpeg; the front only moves datagrams.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '@streamhub/logger/logger';
import { spawnTool } from '../ffmpeg/spawn.ts';
import type { IngestHandlers } from './rtmp-ingest.ts';
import {
  HandshakeType,
  inductionResponse,
  isHandshake,
  keyMaterialOf,
  parseHandshake,
  passphraseMatches,
  REJECT_BAD_SECRET,
  REJECT_FORBIDDEN,
  REJECT_UNSECURE,
  rejection,
  shutdown,
  streamKeyFromStreamId,
  withCookie,
} from './srt-handshake.ts';

export interface SrtIngestOptions {
  /** UDP port of the SRT listener (0: a free one). */
  port: number;
  host?: string;
  ffmpegPath: string;
  /** The node's RTMP ingest port, which relays publish into. */
  rtmpPort: number;
  /** Asked before anything is started, told when the publish is over: the ingest router, then the live manager. */
  handlers: Pick<IngestHandlers, 'publishRequested' | 'publishEnded'>;
  logger: Logger;
  /** How long a relay may take to start listening before the publish is dropped (default 5 s). */
  relayStartTimeoutMs?: number;
  /** Callers must encrypt with this passphrase (and, when set, this key length); absent: they must not. */
  encryption?: SrtEncryption;
}

export interface SrtEncryption {
  /** SRT's `passphrase`: 10 to 79 characters. */
  passphrase: string;
  /** SRT's `pbkeylen` the callers must use, in bytes; absent: 16, 24 or 32, as the caller chooses. */
  keyLength?: 16 | 24 | 32;
}

export interface SrtIngest {
  readonly port: number;
  /** For the RTMP side: the SRT connection id a relay's one-time name belongs to (once), else undefined. */
  claimRelay(rtmpName: string, rtmpConnectionId: string): string | undefined;
  /** The SRT connection whose relay publishes as this RTMP connection. */
  srtConnectionOf(rtmpConnectionId: string): string | undefined;
  /** The RTMP connection of an SRT connection's relay, once it publishes. */
  rtmpConnectionOf(srtConnectionId: string): string | undefined;
  /** Bytes received from the SRT caller (SRT framing included), undefined once the connection is gone. */
  bytesReceived(srtConnectionId: string): number | undefined;
  /** Ends an SRT connection: stops its relay and tells the caller; false when there is none. */
  disconnect(srtConnectionId: string): boolean;
  close(): Promise<void>;
}

type Phase = 'checking' | 'refused' | 'starting' | 'relaying' | 'closed';

interface Connection {
  id: string;
  peer: RemoteInfo;
  callerSocketId: number;
  phase: Phase;
  /** The caller's latest conclusion, replayed to the relay once it listens. */
  conclusion: Buffer;
  relay?: { child: ReturnType<typeof spawnTool>; socket: Socket; port: number; cookie?: number };
  rtmpName?: string;
  rtmpConnectionId?: string;
  bytes: number;
  accepted: boolean;
  /** The rejection a refused caller gets (again, for each repeated conclusion). */
  rejectCode?: number;
}

/** Refused peers are answered with the rejection again for this long (the caller repeats its conclusion). */
const REFUSED_MEMORY_MS = 5000;
/** A relay's listener is probed this often until it answers the induction. */
const PROBE_INTERVAL_MS = 50;

export async function startSrtIngest(options: SrtIngestOptions): Promise<SrtIngest> {
  const { logger, handlers } = options;
  const cookieSecret = randomBytes(32);
  const connections = new Map<string, Connection>();
  const byRelayName = new Map<string, Connection>();
  const byRtmp = new Map<string, Connection>();
  let nextId = 1;
  let closing = false;

  const socket = createSocket({ type: 'udp4' });
  const peerKey = (peer: RemoteInfo) => `${peer.address}:${peer.port}`;
  const sendToCaller = (conn: Connection, packet: Buffer) =>
    socket.send(packet, conn.peer.port, conn.peer.address);

  /** A SYN cookie bound to the caller's address and the minute, as libsrt does; the previous minute still counts. */
  const cookieFor = (peer: RemoteInfo, minutesAgo = 0) => {
    const minute = Math.floor(Date.now() / 60_000) - minutesAgo;
    return createHmac('sha256', cookieSecret)
      .update(`${peerKey(peer)}|${minute}`)
      .digest()
      .readUInt32BE(0);
  };

  socket.on('message', (packet, peer) => {
    const conn = connections.get(peerKey(peer));
    if (conn) {
      onCallerPacket(conn, packet);
      return;
    }
    if (closing) return;
    const handshake = parseHandshake(packet);
    if (!handshake) return; // data for a connection we do not hold: drop
    if (handshake.type === HandshakeType.induction) {
      socket.send(inductionResponse(packet, cookieFor(peer)), peer.port, peer.address);
      return;
    }
    if (handshake.type !== HandshakeType.conclusion) return;
    if (handshake.cookie !== cookieFor(peer) && handshake.cookie !== cookieFor(peer, 1)) return;
    const connection: Connection = {
      id: `srt-${nextId++}`,
      peer,
      callerSocketId: handshake.socketId,
      phase: 'checking',
      conclusion: packet,
      bytes: packet.length,
      accepted: false,
    };
    connections.set(peerKey(peer), connection);
    const log = logger.child({ connectionId: connection.id, remoteAddress: peer.address });
    const unsecured = encryptionProblem(packet, options.encryption);
    if (unsecured) {
      log.warn({ reason: unsecured.reason }, 'publish refused: SRT encryption does not match');
      refuse(connection, unsecured.code);
      return;
    }
    const streamKey =
      handshake.streamId === undefined ? undefined : streamKeyFromStreamId(handshake.streamId);
    if (!streamKey) {
      log.warn('publish refused: the SRT stream id names no stream key');
      refuse(connection);
      return;
    }
    handlers.publishRequested({ connectionId: connection.id, streamKey, remoteAddress: peer.address }).then(
      (decision) => {
        if (!decision.accept) {
          log.info({ reason: decision.reason }, 'publish refused');
          refuse(connection);
          return;
        }
        connection.accepted = true;
        if (connection.phase !== 'checking') {
          end(connection); // closed while being checked: the manager still hears the end
          return;
        }
        startRelay(connection, log);
      },
      (error: unknown) => {
        log.error({ err: error }, 'publish refused: authorization failed');
        refuse(connection);
      },
    );
  });

  function onCallerPacket(conn: Connection, packet: Buffer): void {
    conn.bytes += packet.length;
    if (conn.phase === 'refused') {
      if (isHandshake(packet)) sendToCaller(conn, rejection(packet, conn.rejectCode ?? REJECT_FORBIDDEN));
      return;
    }
    if (isHandshake(packet)) conn.conclusion = packet;
    const relay = conn.relay;
    if (!relay || relay.cookie === undefined || conn.phase === 'closed') return;
    // Repeated conclusions carry our cookie: the relay's listener only knows its own.
    const forward = isHandshake(packet) ? withCookie(packet, relay.cookie) : packet;
    relay.socket.send(forward, relay.port, '127.0.0.1');
  }

  function refuse(conn: Connection, code = REJECT_FORBIDDEN): void {
    conn.phase = 'refused';
    conn.rejectCode = code;
    sendToCaller(conn, rejection(conn.conclusion, code));
    setTimeout(() => {
      if (connections.get(peerKey(conn.peer)) === conn) connections.delete(peerKey(conn.peer));
    }, REFUSED_MEMORY_MS).unref();
  }

  function startRelay(conn: Connection, log: Logger): void {
    conn.phase = 'starting';
    const relaySocket = createSocket({ type: 'udp4' });
    relaySocket.bind(0, '127.0.0.1', () => {
      void freeUdpPort().then((port) => {
        if (conn.phase !== 'starting') {
          relaySocket.close();
          return;
        }
        const rtmpName = randomBytes(18).toString('base64url');
        conn.rtmpName = rtmpName;
        byRelayName.set(rtmpName, conn);
        const args = relayArgs(port, options.rtmpPort, rtmpName, options.encryption);
        const child = spawnTool(options.ffmpegPath, args, {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-2000);
        });
        conn.relay = { child, socket: relaySocket, port };
        child.once('exit', (code, signal) => {
          if (conn.phase !== 'closed') log.info({ code, signal, stderr: stderr.trim() }, 'SRT relay exited');
          end(conn);
        });
        child.once('error', (error) => {
          log.error({ err: error }, 'could not start the SRT relay');
          end(conn);
        });
        relaySocket.on('message', (packet) => {
          const relay = conn.relay;
          if (!relay || conn.phase === 'closed') return;
          if (relay.cookie === undefined) {
            // The relay answered the induction we sent for the caller: now it can take the caller's conclusion.
            const answer = parseHandshake(packet);
            if (answer?.type !== HandshakeType.induction) return;
            relay.cookie = answer.cookie;
            relaySocket.send(withCookie(conn.conclusion, answer.cookie), port, '127.0.0.1');
            return;
          }
          if (conn.phase === 'starting' && parseHandshake(packet)?.type === HandshakeType.conclusion) {
            conn.phase = 'relaying';
            log.info('SRT caller connected to its relay');
          }
          sendToCaller(conn, packet);
        });
        probeRelay(conn, port, log);
      });
    });
  }

  /** Sends the caller's induction to the relay until its listener answers (ffmpeg takes a moment to start). */
  function probeRelay(conn: Connection, port: number, log: Logger): void {
    const induction = callerInduction(conn.conclusion);
    const deadline = Date.now() + (options.relayStartTimeoutMs ?? 5000);
    const tick = () => {
      const relay = conn.relay;
      if (!relay || relay.cookie !== undefined || conn.phase === 'closed') return;
      if (Date.now() > deadline) {
        log.error('the SRT relay did not start listening in time');
        end(conn);
        return;
      }
      relay.socket.send(induction, port, '127.0.0.1');
      setTimeout(tick, PROBE_INTERVAL_MS).unref();
    };
    tick();
  }

  /** Forgets a connection, stops its relay, tells the caller, and reports the end of an accepted publish once. */
  function end(conn: Connection): void {
    if (conn.phase === 'closed') return;
    const wasRelaying = conn.phase === 'relaying';
    conn.phase = 'closed';
    if (connections.get(peerKey(conn.peer)) === conn) connections.delete(peerKey(conn.peer));
    if (conn.rtmpName) byRelayName.delete(conn.rtmpName);
    if (conn.relay) {
      conn.relay.child.kill('SIGKILL');
      conn.relay.socket.close();
    }
    if (wasRelaying && !closing) sendToCaller(conn, shutdown(conn.callerSocketId));
    if (conn.accepted) {
      try {
        handlers.publishEnded(conn.id);
      } catch (error) {
        logger.error({ err: error, connectionId: conn.id }, 'publishEnded handler threw');
      } finally {
        if (conn.rtmpConnectionId) byRtmp.delete(conn.rtmpConnectionId);
      }
    }
  }

  const byId = (id: string) => [...connections.values()].find((c) => c.id === id);

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host ?? '0.0.0.0', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (error) => logger.error({ err: error }, 'SRT socket error'));

  return {
    port: socket.address().port,
    claimRelay(rtmpName, rtmpConnectionId) {
      const conn = byRelayName.get(rtmpName);
      if (!conn || conn.phase === 'closed') return undefined;
      byRelayName.delete(rtmpName);
      conn.rtmpConnectionId = rtmpConnectionId;
      byRtmp.set(rtmpConnectionId, conn);
      return conn.id;
    },
    srtConnectionOf: (rtmpConnectionId) => byRtmp.get(rtmpConnectionId)?.id,
    rtmpConnectionOf: (srtConnectionId) => byId(srtConnectionId)?.rtmpConnectionId,
    bytesReceived: (srtConnectionId) => byId(srtConnectionId)?.bytes,
    disconnect(srtConnectionId) {
      const conn = byId(srtConnectionId);
      if (!conn) return false;
      end(conn);
      return true;
    },
    async close() {
      closing = true;
      for (const conn of [...connections.values()]) end(conn);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/**
 * Why a caller's encryption does not fit the instance's, as the SRT rejection to send; undefined when it
 * fits (both clear, or the caller's key wrapped with our passphrase at an allowed length).
 */
export function encryptionProblem(
  conclusion: Buffer,
  encryption: SrtEncryption | undefined,
): { code: number; reason: string } | undefined {
  const material = keyMaterialOf(conclusion);
  if (!encryption) {
    return (
      material && { code: REJECT_UNSECURE, reason: 'the caller encrypts; this node has no SRT_PASSPHRASE' }
    );
  }
  if (!material)
    return { code: REJECT_UNSECURE, reason: 'the caller does not encrypt (SRT_PASSPHRASE is set)' };
  if (encryption.keyLength !== undefined && material.keyLength !== encryption.keyLength) {
    return {
      code: REJECT_BAD_SECRET,
      reason: `key length ${material.keyLength}, not ${encryption.keyLength}`,
    };
  }
  if (!passphraseMatches(material, encryption.passphrase)) {
    return { code: REJECT_BAD_SECRET, reason: 'wrong passphrase' };
  }
  return undefined;
}

/**
 * The relay: SRT from the front (loopback, one caller) remuxed into the node's RTMP ingest, no
 * re-encoding. With encryption the passphrase is an input option of the relay: readable in its
 * command line by local users of the node's host (docs/srt.md), unlike stream keys.
 */
export function relayArgs(
  srtPort: number,
  rtmpPort: number,
  rtmpName: string,
  encryption?: SrtEncryption,
): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    // A live source: read codec parameters from the first half second instead of ffmpeg's 5 s analysis.
    '-analyzeduration',
    '500000',
    ...(encryption ? ['-passphrase', encryption.passphrase] : []),
    ...(encryption?.keyLength ? ['-pbkeylen', String(encryption.keyLength)] : []),
    '-f',
    'mpegts',
    '-i',
    `srt://127.0.0.1:${srtPort}?mode=listener`,
    '-c',
    'copy',
    '-f',
    'flv',
    `rtmp://127.0.0.1:${rtmpPort}/live/${rtmpName}`,
  ];
}

/** The induction a caller sends (HSv4 form, no cookie), rebuilt from its conclusion for the relay's listener. */
function callerInduction(conclusion: Buffer): Buffer {
  const packet = Buffer.from(conclusion.subarray(0, 64));
  packet.writeUInt32BE(0, 12);
  packet.writeUInt32BE(4, 16);
  packet.writeUInt16BE(0, 20);
  packet.writeUInt16BE(2, 22);
  packet.writeUInt32BE(HandshakeType.induction, 36);
  packet.writeUInt32BE(0, 44);
  return packet;
}

/** A UDP port free on the loopback right now (bound and released; the relay binds it a moment later). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createSocket({ type: 'udp4' });
    probe.once('error', reject);
    probe.bind(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
