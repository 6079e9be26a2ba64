/**
 * The StreamHub gateway, built and served by `startGateway` exactly as `streamhub dev` does (embedded
 * PGlite, in-process rooms, presence, counters, events and jobs; Node `ws` or Bun's native WebSockets,
 * whichever runtime runs this file), without the media node. Everything else comes from the
 * environment (STREAMHUB_DATA_DIR, PORT, WS_MAX_CONNECTIONS_PER_IP, …) through the real config loader.
 */

import { startGateway } from '@streamhub/api/runtime/gateway-runtime';
import { loadConfig } from '@streamhub/config/config';
import { createLogger } from '@streamhub/logger/logger';
import { announceReady, stopWhenTold } from './lifecycle.ts';

const config = loadConfig(process.env, { envFile: false });
const logger = createLogger({ level: config.logLevel, name: 'gateway' });
const gateway = await startGateway(config, {
  logger,
  migrate: true,
  createSigningKeys: true,
  runJobs: true,
  mediaNode: false,
});
stopWhenTold(() => gateway.close());
announceReady(gateway.port);
