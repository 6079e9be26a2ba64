/**
 * The StreamHub gateway as production builds it (`createApp`), served by the native server of the runtime
 * that runs this file: `serveOnNode` under Node, `serveOnBun` under Bun.
 */
import { createApp } from '@streamhub/api/app';
import { runtime } from '@streamhub/api/runtime-info';
import type { RemoteAddressResolver, RunningServer, ServeOptions } from '@streamhub/api/server/types';
import { BENCH_HOST } from '../protocol.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { createBenchDeps } from './streamhub-deps.ts';

interface RuntimeServer {
  serve(options: ServeOptions): Promise<RunningServer>;
  remoteAddress: RemoteAddressResolver;
}

// Imported lazily so that the Bun run never loads @hono/node-server and the Node run never loads Bun code.
async function runtimeServer(): Promise<RuntimeServer> {
  if (runtime === 'bun') {
    const { serveOnBun, bunRemoteAddress } = await import('@streamhub/api/server/bun');
    return { serve: serveOnBun, remoteAddress: bunRemoteAddress };
  }
  const { serveOnNode, nodeRemoteAddress } = await import('@streamhub/api/server/node');
  return { serve: serveOnNode, remoteAddress: nodeRemoteAddress };
}

const args = serverArgs();
const server = await runtimeServer();
const bench = await createBenchDeps({
  logFile: requireArg(args, 'logFile'),
  dataDir: requireArg(args, 'dataDir'),
  databaseUrl: requireArg(args, 'databaseUrl'),
  remoteAddress: server.remoteAddress,
});
const { app } = createApp(bench.deps, { processMetrics: true });
const running = await server.serve({ fetch: app.fetch, host: BENCH_HOST, port: 0, gracePeriodMs: 1_000 });
stopOnSignals(async () => {
  await running.close();
  await bench.close();
});
announceReady(running.port);
