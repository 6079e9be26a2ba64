/** The gateway's native server for the runtime that runs the bench server: `serveOnNode` or `serveOnBun`. */
import { runtime } from '@streamhub/api/runtime-info';
import type { RemoteAddressResolver, RunningServer, ServeOptions } from '@streamhub/api/server/types';

export interface RuntimeServer {
  serve(options: ServeOptions): Promise<RunningServer>;
  remoteAddress: RemoteAddressResolver;
}

// Imported lazily so that the Bun run never loads @hono/node-server and the Node run never loads Bun code.
export async function runtimeServer(): Promise<RuntimeServer> {
  if (runtime === 'bun') {
    const { serveOnBun, bunRemoteAddress } = await import('@streamhub/api/server/bun');
    return { serve: serveOnBun, remoteAddress: bunRemoteAddress };
  }
  const { serveOnNode, nodeRemoteAddress } = await import('@streamhub/api/server/node');
  return { serve: serveOnNode, remoteAddress: nodeRemoteAddress };
}
