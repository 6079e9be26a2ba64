/** Carries the realtime hub over `ws` on a Node HTTP server (upgrade requests to WEBSOCKET_PATH). */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RealtimeSocket } from './realtime-hub.ts';
import { WEBSOCKET_PATH, type WebSocketEndpoint } from './websocket-endpoint.ts';

export interface AttachedWebSocket {
  /** Stops the ping timer and closes the WebSocket server (the hub closes the sockets). */
  close(): Promise<void>;
}

function socketOf(ws: WebSocket): RealtimeSocket {
  return {
    send: (_text, utf8) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(utf8, { binary: false });
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
