/** Carries the realtime hub over `ws` on a Node HTTP server (upgrade requests to WEBSOCKET_PATH). */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { RealtimeConnection, RealtimeHub, RealtimeSocket, RoomTransport } from './realtime-hub.ts';
import { WEBSOCKET_PATH, type WebSocketEndpoint } from './websocket-endpoint.ts';

export interface AttachedWebSocket {
  /** Stops the ping timer and closes the WebSocket server (the hub closes the sockets). */
  close(): Promise<void>;
}

/*
 * Room broadcasts are framed once. `ws.send()` frames a message again for every socket (a header
 * buffer, option objects, cork, two writes, uncork, a writev): in a 2,000-client room that JS was about
 * a third of the fan-out's CPU, beside the system call itself (bench/realtime, docs/benchmarks.md).
 * The transport builds a broadcast's frame once and writes the same bytes to each member's TCP socket.
 * `ws` exports `Sender.frame` (@types/ws does not declare it) and keeps the socket in `_socket`; its
 * `bufferedAmount` counts what is written there, so the slow-client cut-off still works. ws is pinned,
 * and node-websocket.test.ts checks these internals.
 */
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};
const TEXT_FRAME: FrameOptions = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false };

/** What the fast path reads of a server-side `ws` socket; when missing, sends go through `ws.send()`. */
export interface WsInternals {
  _socket: Socket | null | undefined;
  /** Frames wait here only while ws compresses or reads a Blob; neither happens on this server. */
  _sender: { _queue: unknown[] | undefined } | null | undefined;
}

/** `utf8` as one unmasked text frame, as `ws` would send it. */
export function textFrame(utf8: Buffer): Buffer {
  return Buffer.concat(Sender.frame(utf8, TEXT_FRAME));
}

/** Writes `frame` (the text frame of `utf8`) to the socket, behind whatever ws still holds. */
function writeText(ws: WebSocket, utf8: Buffer, frame: Buffer): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  const internals = ws as unknown as WsInternals;
  const tcp = internals._socket;
  // Whatever ws still holds must go out first: then, and without a socket, ws sends it itself.
  if (tcp && internals._sender?._queue?.length === 0) tcp.write(frame);
  else ws.send(utf8, { binary: false });
}

/** One `ws` socket as the hub and the room transport see it. */
class NodeSocket implements RealtimeSocket {
  connection: RealtimeConnection | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly rooms: NodeRoomTransport,
  ) {}

  /** Answers, errors, `joined` with its history, pongs: each counts toward the slow-client limit. */
  send(text: string): void {
    const utf8 = Buffer.from(text);
    this.rooms.write(this, utf8, textFrame(utf8));
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  join(room: string): void {
    this.rooms.add(room, this);
  }

  leave(room: string): void {
    this.rooms.remove(room, this);
  }
}

/**
 * Node keeps the member loop (ws has no topics): each broadcast is framed once, then each member is
 * checked against the slow-client limit before its write. Every other frame to a socket goes through
 * the same check (`write`), so no kind of frame can pile up for a client that does not read.
 */
class NodeRoomTransport implements RoomTransport {
  private readonly rooms = new Map<string, Set<NodeSocket>>();

  constructor(
    private readonly hub: RealtimeHub,
    private readonly maxBufferedBytes: number,
  ) {}

  add(room: string, socket: NodeSocket): void {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Set();
      this.rooms.set(room, members);
    }
    members.add(socket);
  }

  remove(room: string, socket: NodeSocket): void {
    const members = this.rooms.get(room);
    if (!members?.delete(socket)) return;
    if (members.size === 0) this.rooms.delete(room);
  }

  broadcast(room: string, text: string): void {
    const members = this.rooms.get(room);
    if (!members) return;
    const utf8 = Buffer.from(text);
    const frame = textFrame(utf8);
    // Dropping a member removes it from `members`; a Set's iteration allows that.
    for (const member of members) this.write(member, utf8, frame);
  }

  /**
   * Writes the frame, unless the socket's unsent bytes are already past the limit: then the hub closes
   * it (4001) and the frame is not queued. A socket not yet handed to the hub (its `hello`) has none.
   */
  write(member: NodeSocket, utf8: Buffer, frame: Buffer): void {
    if (member.ws.bufferedAmount > this.maxBufferedBytes) {
      if (member.connection) this.hub.dropTooSlow(member.connection);
      return;
    }
    writeText(member.ws, utf8, frame);
  }
}

export function attachNodeWebSocket(server: Server, endpoint: WebSocketEndpoint): AttachedWebSocket {
  const { hub } = endpoint;
  const rooms = new NodeRoomTransport(hub, endpoint.maxBufferedBytes);
  const detach = hub.attach(rooms);
  const wss = new WebSocketServer({ noServer: true, maxPayload: endpoint.maxPayloadBytes });
  const alive = new WeakMap<WebSocket, boolean>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const forwarded = request.headers['x-forwarded-for'];
      const ip = endpoint.clientIp(
        Array.isArray(forwarded) ? forwarded[0] : forwarded,
        request.socket.remoteAddress,
      );
      const socket = new NodeSocket(ws, rooms);
      const connection = hub.open(socket, ip);
      if (!connection) return;
      socket.connection = connection;
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      ws.on('message', (data) => hub.receive(connection, data));
      ws.on('close', () => hub.disconnected(connection));
      ws.on('error', () => ws.terminate());
    });
  };
  server.on('upgrade', onUpgrade);

  const pinging = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, endpoint.pingIntervalMs);
  pinging.unref();

  return {
    close: () =>
      new Promise((resolve) => {
        clearInterval(pinging);
        server.off('upgrade', onUpgrade);
        detach();
        wss.close(() => resolve());
      }),
  };
}
