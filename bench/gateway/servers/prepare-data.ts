/**
 * Creates and migrates the embedded database (and signing keys) once in `--data-dir`, by the same path
 * the gateway server takes, then exits; every gateway process then starts from a copy of it.
 */
import { join } from 'node:path';
import { requireArg, serverArgs } from './lifecycle.ts';
import { createBenchDeps } from './streamhub-deps.ts';

const dataDir = requireArg(serverArgs(), 'dataDir');
const bench = await createBenchDeps({
  logFile: join(dataDir, 'prepare.log'),
  dataDir,
  remoteAddress: () => undefined,
});
await bench.close();
process.exit(0);
