/** Serves the gateway with Bun's native server on Bun. */
import type { RemoteAddressResolver, RunningServer, ServeOptions } from './types.ts';

interface BunEnv {
  server: { requestIP(request: Request): { address: string } | null };
}

export const bunRemoteAddress: RemoteAddressResolver = (c) =>
  (c.env as BunEnv | undefined)?.server.requestIP(c.req.raw)?.address;

export async function serveOnBun(options: ServeOptions): Promise<RunningServer> {
  const bun = globalThis.Bun;
  if (!bun) throw new Error('serveOnBun needs the Bun runtime');
  const server = bun.serve({
    hostname: options.host,
    port: options.port,
    fetch: (request, srv) => options.fetch(request, { server: srv } satisfies BunEnv),
  });
  return {
    port: server.port ?? options.port,
    close: async () => {
      const deadline = setTimeout(() => void server.stop(true), options.gracePeriodMs);
      // stop(false) stops accepting and resolves once in-flight requests are done.
      await server.stop(false);
      clearTimeout(deadline);
    },
  };
}
