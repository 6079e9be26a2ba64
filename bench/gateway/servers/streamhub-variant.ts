/** One gateway variant of the ablation (`--variant <name>`), on Node with `serveOnNode`. */
import { nodeRemoteAddress, serveOnNode } from '@streamhub/api/server/node';
import { findVariant } from '../ablation-variants.ts';
import { BENCH_HOST } from '../protocol.ts';
import { createVariantApp } from './gateway-variants.ts';
import { announceReady, requireArg, serverArgs, stopOnSignals } from './lifecycle.ts';
import { createBenchDeps } from './streamhub-deps.ts';

const args = serverArgs();
const variant = findVariant(args.variant ?? '');
const bench = await createBenchDeps({
  logFile: requireArg(args, 'logFile'),
  dataDir: requireArg(args, 'dataDir'),
  databaseUrl: requireArg(args, 'databaseUrl'),
  remoteAddress: nodeRemoteAddress,
});
const app = createVariantApp(bench.deps, variant);
const running = await serveOnNode({ fetch: app.fetch, host: BENCH_HOST, port: 0, gracePeriodMs: 1_000 });
stopOnSignals(async () => {
  await running.close();
  await bench.close();
});
announceReady(running.port);
