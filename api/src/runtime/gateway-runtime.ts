/**
 * The gateway's composition root: opens the configured backends (embedded or scale-out), builds
 * the app on them and serves it on the runtime's native server.
 */
import type { Config } from '@streamhub/config/config';
import { DOMAIN_EVENTS } from '@streamhub/contracts/events';
import { openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { createCounterStore } from '@streamhub/infra/counters/factory';
import { createEventBus } from '@streamhub/infra/event-bus/factory';
import { openRedisConnection } from '@streamhub/infra/redis/connection';
import type { Logger } from '@streamhub/logger/logger';
import { createApp } from '../app.ts';
import type { GatewayDeps, ReadinessCheck } from '../deps.ts';
import { remoteAddress, serveHttp } from '../server/serve.ts';
import { createServices } from '../services.ts';

export interface StartGatewayOptions {
  logger: Logger;
  /** Apply pending migrations before serving (the all-in-one `dev` does; replicas leave it to `db migrate`). */
  migrate: boolean;
}

export interface RunningGateway {
  port: number;
  /** Graceful stop: no new connections, in-flight requests finish, then backends close. */
  close(): Promise<void>;
}

export async function startGateway(config: Config, options: StartGatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await close().catch((error: unknown) => logger.error({ err: error }, 'error while closing'));
    }
  };

  const onError = (error: Error) => logger.error({ err: error }, 'redis error');

  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    closers.push(() => database.close());
    if (options.migrate) await migrateDatabase(database);

    const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
    if (config.redisUrl) {
      const redis = await openRedisConnection({
        url: config.redisUrl,
        name: 'streamhub-gateway-readiness',
        onError,
      });
      closers.push(() => redis.close());
      readiness.push({ name: 'redis', check: () => redis.ping() });
    }
    const counters = await createCounterStore({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      onError,
    });
    closers.push(() => counters.close());

    const events = await createEventBus(DOMAIN_EVENTS, {
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      onError: (error, context) => logger.error({ err: error, ...context }, 'event bus error'),
    });
    closers.push(() => events.close());

    const deps: GatewayDeps = {
      config,
      logger,
      services: createServices({ db: database.db, events }),
      counters,
      readiness,
      drivers: { database: database.driver, infra: config.redisUrl ? 'redis' : 'memory' },
      remoteAddress,
    };
    const { app } = createApp(deps, { processMetrics: true });
    const server = await serveHttp({
      fetch: app.fetch,
      host: config.host,
      port: config.port,
      gracePeriodMs: config.shutdownTimeoutMs,
    });
    logger.info(
      { port: server.port, host: config.host, database: database.driver, infra: deps.drivers.infra },
      'gateway listening',
    );
    return {
      port: server.port,
      close: async () => {
        await server.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
