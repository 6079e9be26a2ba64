/** Serves the gateway with Bun's native server on Bun, with its native WebSockets for `/ws`. */
import type { RealtimeConnection, RealtimeSocket } from '../realtime/realtime-hub.ts';
import { WEBSOCKET_PATH, type WebSocketEndpoint } from '../realtime/websocket-endpoint.ts';
import type { RemoteAddressResolver, RunningServer, ServeOptions } from './types.ts';

interface BunEnv {
  server: { requestIP(request: Request): { address: string } | null };
}

interface SocketData {
  ip: string;
  connection: RealtimeConnection | undefined;
}

export const bunRemoteAddress: RemoteAddressResolver = (c) =>
  (c.env as BunEnv | undefined)?.server.requestIP(c.req.raw)?.address;

function isWebSocketRequest(request: Request): boolean {
  return (
    request.headers.get('upgrade')?.toLowerCase() === 'websocket' &&
    new URL(request.url).pathname === WEBSOCKET_PATH
  );
}

function websocketHandlers(endpoint: WebSocketEndpoint) {
  const { hub } = endpoint;
  return {
    maxPayloadLength: endpoint.maxPayloadBytes,
    // Bun pings idle sockets itself and closes those that stay silent past the timeout.
    sendPings: true,
    idleTimeout: Math.max(1, Math.round((2 * endpoint.pingIntervalMs) / 1000)),
    open(ws: Bun.ServerWebSocket<SocketData>) {
      const socket: RealtimeSocket = {
        send: (text) => void ws.sendText(text),
        bufferedAmount: () => ws.getBufferedAmount(),
        close: (code, reason) => ws.close(code, reason),
      };
      ws.data.connection = hub.open(socket, ws.data.ip);
    },
    message(ws: Bun.ServerWebSocket<SocketData>, message: string | Buffer) {
      if (ws.data.connection) hub.receive(ws.data.connection, message);
    },
    close(ws: Bun.ServerWebSocket<SocketData>) {
      if (ws.data.connection) hub.disconnected(ws.data.connection);
    },
  };
}

export async function serveOnBun(options: ServeOptions): Promise<RunningServer> {
  const bun = globalThis.Bun;
  if (!bun) throw new Error('serveOnBun needs the Bun runtime');
  const endpoint = options.websocket;
  const server = endpoint
    ? bun.serve<SocketData>({
        hostname: options.host,
        port: options.port,
        fetch: (request, srv) => {
          if (isWebSocketRequest(request)) {
            const ip = endpoint.clientIp(
              request.headers.get('x-forwarded-for') ?? undefined,
              srv.requestIP(request)?.address,
            );
            if (srv.upgrade(request, { data: { ip, connection: undefined } })) return undefined;
          }
          return options.fetch(request, { server: srv } satisfies BunEnv);
        },
        websocket: websocketHandlers(endpoint),
      })
    : bun.serve({
        hostname: options.host,
        port: options.port,
        fetch: (request, srv) => options.fetch(request, { server: srv } satisfies BunEnv),
      });
  return {
    port: server.port ?? options.port,
    close: async () => {
      await endpoint?.hub.close();
      const deadline = setTimeout(() => void server.stop(true), options.gracePeriodMs);
      // stop(false) stops accepting and resolves once in-flight requests are done.
      await server.stop(false);
      clearTimeout(deadline);
    },
  };
}
