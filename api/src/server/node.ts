/** Serves the gateway with @hono/node-server on Node. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { attachNodeWebSocket } from '../realtime/node-websocket.ts';
import type { RemoteAddressResolver, RunningServer, ServeOptions } from './types.ts';

export const nodeRemoteAddress: RemoteAddressResolver = (c) =>
  (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;

export function serveOnNode(options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: options.fetch, hostname: options.host, port: options.port }) as Server;
    server.once('error', reject);
    const websocket = options.websocket ? attachNodeWebSocket(server, options.websocket) : undefined;
    server.once('listening', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: async () => {
          // Upgraded sockets are not requests: the hub closes them, or server.close() would wait for them.
          await options.websocket?.hub.close();
          await websocket?.close();
          await closeGracefully(server, options.gracePeriodMs);
        },
      });
    });
  });
}

function closeGracefully(server: Server, gracePeriodMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const deadline = setTimeout(() => server.closeAllConnections(), gracePeriodMs);
    deadline.unref();
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    // Keep-alive sockets with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
  });
}
