/**
 * One gateway variant of the ablation (`--variant <name>`), on the native server of the runtime that
 * runs this file (`serveOnNode` under Node, `serveOnBun` under Bun).
 */
import { findVariant } from '../ablation-variants.ts';
import { BENCH_HOST } from '../protocol.ts';
import { createVariantApp } from './gateway-variants.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { runtimeServer } from './runtime-server.ts';
import { createBenchDeps } from './streamhub-deps.ts';

const args = serverArgs();
const variant = findVariant(args.variant ?? '');
const server = await runtimeServer();
const bench = await createBenchDeps({
  logFile: requireArg(args, 'logFile'),
  dataDir: requireArg(args, 'dataDir'),
  databaseUrl: requireArg(args, 'databaseUrl'),
  remoteAddress: server.remoteAddress,
});
const app = createVariantApp(bench.deps, variant);
const running = await server.serve({ fetch: app.fetch, host: BENCH_HOST, port: 0, gracePeriodMs: 1_000 });
stopOnSignals(async () => {
  await running.close();
  await bench.close();
});
announceReady(running.port);
