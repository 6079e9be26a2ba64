/** Serves the gateway with Bun's native server on Bun, with its native WebSockets for `/ws`. */
import type {
  RealtimeConnection,
  RealtimeHub,
  RealtimeSocket,
  RoomTransport,
} from '../realtime/realtime-hub.ts';
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

// `publish` and `sendText` answer this when a receiver has unsent frames (docs: bun.sh ServerWebSocket).
const BACKPRESSURED = -1;
// How soon after a send finds a backlog the sockets are checked against the slow-client limit.
const SWEEP_DELAY_MS = 50;
// Bun's own limit, closing a socket (1006) instead of dropping a frame, for a reader that falls this far
// behind within one sweep delay; never reached by chat traffic.
const HARD_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * Room broadcasts go through Bun's native pub/sub: a socket subscribes to a room's topic on join and a
 * broadcast is one `server.publish`, framed once and written to every subscriber in native code. The
 * slow-client limit is checked without a loop per broadcast: a send that meets a backlog (any
 * subscriber with unsent frames) schedules one sweep of the sockets' `getBufferedAmount()`. A backlog
 * only grows through such sends, so every socket past the limit is found within SWEEP_DELAY_MS.
 */
class BunRoomTransport implements RoomTransport {
  readonly sockets = new Set<Bun.ServerWebSocket<SocketData>>();
  private publisher: Pick<Bun.Server<SocketData>, 'publish'> | undefined;
  private sweep: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly hub: RealtimeHub,
    private readonly maxBufferedBytes: number,
  ) {}

  /** The server exists only once its handlers (which use this transport) are passed to Bun.serve. */
  publishThrough(server: Pick<Bun.Server<SocketData>, 'publish'>): void {
    this.publisher = server;
  }

  broadcast(room: string, text: string): void {
    if (this.publisher?.publish(room, text) === BACKPRESSURED) this.sweepSoon();
  }

  socketOf(ws: Bun.ServerWebSocket<SocketData>): RealtimeSocket {
    return {
      send: (text) => {
        if (ws.sendText(text) === BACKPRESSURED) this.sweepSoon();
      },
      close: (code, reason) => ws.close(code, reason),
      join: (room) => void ws.subscribe(room),
      leave: (room) => void ws.unsubscribe(room),
    };
  }

  stop(): void {
    clearTimeout(this.sweep);
    this.sweep = undefined;
  }

  private sweepSoon(): void {
    if (this.sweep) return;
    this.sweep = setTimeout(() => {
      this.sweep = undefined;
      for (const ws of this.sockets) {
        const connection = ws.data.connection;
        if (connection && ws.getBufferedAmount() > this.maxBufferedBytes) this.hub.dropTooSlow(connection);
      }
    }, SWEEP_DELAY_MS);
    this.sweep.unref();
  }
}

function websocketHandlers(endpoint: WebSocketEndpoint, rooms: BunRoomTransport) {
  const { hub } = endpoint;
  return {
    maxPayloadLength: endpoint.maxPayloadBytes,
    // Bun pings idle sockets itself and closes those that stay silent past the timeout.
    sendPings: true,
    idleTimeout: Math.max(1, Math.round((2 * endpoint.pingIntervalMs) / 1000)),
    backpressureLimit: Math.max(HARD_BACKLOG_BYTES, 2 * endpoint.maxBufferedBytes),
    closeOnBackpressureLimit: true,
    open(ws: Bun.ServerWebSocket<SocketData>) {
      rooms.sockets.add(ws);
      ws.data.connection = hub.open(rooms.socketOf(ws), ws.data.ip);
    },
    message(ws: Bun.ServerWebSocket<SocketData>, message: string | Buffer) {
      if (ws.data.connection) hub.receive(ws.data.connection, message);
    },
    close(ws: Bun.ServerWebSocket<SocketData>) {
      rooms.sockets.delete(ws);
      if (ws.data.connection) hub.disconnected(ws.data.connection);
    },
  };
}

export async function serveOnBun(options: ServeOptions): Promise<RunningServer> {
  const bun = globalThis.Bun;
  if (!bun) throw new Error('serveOnBun needs the Bun runtime');
  const endpoint = options.websocket;
  const rooms = endpoint && new BunRoomTransport(endpoint.hub, endpoint.maxBufferedBytes);
  // Hono's `c.env` for every request: the server is the same each time, so one object serves them all.
  let env: BunEnv | undefined;
  const envOf = (server: BunEnv['server']): BunEnv => {
    env ??= { server };
    return env;
  };
  const server =
    endpoint && rooms
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
            return options.fetch(request, envOf(srv));
          },
          websocket: websocketHandlers(endpoint, rooms),
        })
      : bun.serve({
          hostname: options.host,
          port: options.port,
          fetch: (request, srv) => options.fetch(request, envOf(srv)),
        });
  rooms?.publishThrough(server);
  const detach = rooms && endpoint?.hub.attach(rooms);
  return {
    port: server.port ?? options.port,
    close: async () => {
      await endpoint?.hub.close();
      detach?.();
      rooms?.stop();
      const deadline = setTimeout(() => void server.stop(true), options.gracePeriodMs);
      // stop(false) stops accepting and resolves once in-flight requests are done.
      await server.stop(false);
      clearTimeout(deadline);
    },
  };
}
