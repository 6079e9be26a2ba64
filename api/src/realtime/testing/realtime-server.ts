/** A gateway replica with its realtime hub on a real server on 127.0.0.1, and a raw `/ws` client, for tests. */
import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import type { GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { serveOnNode } from '../../server/node.ts';
import type { RunningServer, ServeOptions } from '../../server/types.ts';
import { gatewayClient, ok } from '../../testing/gateway-client.ts';
import { createRealtimeHub, type RealtimeBackends, websocketEndpoint } from '../create-hub.ts';
import type { RealtimeHub } from '../realtime-hub.ts';
import type { WebSocketEndpoint } from '../websocket-endpoint.ts';

export interface RealtimeServer {
  hub: RealtimeHub;
  server: RunningServer;
  /** `http://127.0.0.1:<port>`. */
  base: string;
}

/**
 * Starts a hub on `deps` and `backends` and serves `app` with it (on Node unless `serve` says else).
 * Several on the same backends act as replicas of one deployment. `server.close()` closes the hub too.
 */
export async function serveRealtime(
  app: GatewayApp,
  deps: GatewayDeps,
  backends: RealtimeBackends,
  options: {
    hub?: Parameters<typeof createRealtimeHub>[2];
    endpoint?: Partial<WebSocketEndpoint>;
    serve?: (options: ServeOptions) => Promise<RunningServer>;
  } = {},
): Promise<RealtimeServer> {
  const hub = createRealtimeHub(deps, backends, options.hub);
  await hub.start();
  const server = await (options.serve ?? serveOnNode)({
    fetch: app.fetch,
    host: '127.0.0.1',
    port: 0,
    gracePeriodMs: 1000,
    websocket: { ...websocketEndpoint(hub, deps.config), ...options.endpoint },
  });
  return { hub, server, base: `http://127.0.0.1:${server.port}` };
}

/** Creates a channel through the API as `authorization` (a streamer or admin); throws unless 201. */
export async function createTestChannel(app: GatewayApp, authorization: string, slug: string): Promise<void> {
  await ok(
    gatewayClient(app, authorization).api.v1.channels.$post({
      json: { slug, title: `Channel ${slug}`, category: 'talk' },
    }),
  );
}

/**
 * A raw TCP connection past the `/ws` handshake: nothing answers pings or reads frames unless the test
 * does. Rejects unless the server switched protocols.
 */
export async function rawWebSocket(port: number): Promise<Socket> {
  const socket = connectTcp(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  if (!head.toString().includes('101 Switching Protocols')) {
    socket.destroy();
    throw new Error(`no WebSocket handshake: ${head.toString().split('\r\n', 1)[0]}`);
  }
  return socket;
}
