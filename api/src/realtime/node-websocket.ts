/** Carries the realtime hub over `ws` on a Node HTTP server (upgrade requests to WEBSOCKET_PATH). */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { RealtimeSocket } from './realtime-hub.ts';
import { WEBSOCKET_PATH, type WebSocketEndpoint } from './websocket-endpoint.ts';

export interface AttachedWebSocket {
  /** Stops the ping timer and closes the WebSocket server (the hub closes the sockets). */
  close(): Promise<void>;
}

/*
 * Room broadcasts are framed once. `ws.send()` frames a message again for every socket (a header
 * buffer, option objects, cork, two writes, uncork, a writev): in a 2,000-client room that JS was about
 * a third of the fan-out's CPU, beside the system call itself (bench/realtime, docs/benchmarks.md).
 * The hub hands every member of a broadcast the same `utf8` Buffer, so the frame is built once and the
 * same bytes are written to each member's TCP socket. `ws` exports `Sender.frame` (@types/ws does not
 * declare it) and keeps the socket in `_socket`; its `bufferedAmount` counts what is written there, so
 * the slow-client cut-off still works. ws is pinned, and node-websocket.test.ts checks these internals.
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

let lastPayload: Buffer | undefined;
let lastFrame: Buffer | undefined;

/** `utf8` as one unmasked text frame; the members of one broadcast get the very same Buffer. */
export function textFrame(utf8: Buffer): Buffer {
  if (utf8 !== lastPayload || lastFrame === undefined) {
    lastFrame = Buffer.concat(Sender.frame(utf8, TEXT_FRAME));
    lastPayload = utf8;
  }
  return lastFrame;
}

function socketOf(ws: WebSocket): RealtimeSocket {
  const internals = ws as unknown as WsInternals;
  return {
    send: (_text, utf8) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const tcp = internals._socket;
      // Whatever ws still holds must go out first: then, and without a socket, ws sends it itself.
      if (tcp && internals._sender?._queue?.length === 0) tcp.write(textFrame(utf8));
      else ws.send(utf8, { binary: false });
    },
    bufferedAmount: () => ws.bufferedAmount,
    close: (code, reason) => ws.close(code, reason),
  };
}

export function attachNodeWebSocket(server: Server, endpoint: WebSocketEndpoint): AttachedWebSocket {
  const { hub } = endpoint;
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
      const connection = hub.open(socketOf(ws), ip);
      if (!connection) return;
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
        wss.close(() => resolve());
      }),
  };
}
