/**
 * The StreamHub gateway as production builds it (`createApp`), served by the native server of the runtime
 * that runs this file: `serveOnNode` under Node, `serveOnBun` under Bun.
 */
import { createApp } from '@streamhub/api/app';
import { BENCH_HOST } from '../protocol.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { runtimeServer } from './runtime-server.ts';
import { createBenchDeps } from './streamhub-deps.ts';

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
