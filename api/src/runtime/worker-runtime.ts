/**
 * A job worker without HTTP: runs the modules' jobs (email, video processing) and durable consumers so
 * that they scale apart from the gateways. Only useful with REDIS_URL: in-process jobs run where they were enqueued.
 */
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import { loadSigningKeys } from '../domains/auth/signing-keys.ts';
import { createMailer } from '../mail/create-mailer.ts';
import { moduleConsumers, moduleJobHandlers } from '../modules/run-modules.ts';
import { MODULES } from '../modules.ts';
import { openBackends } from './backends.ts';
import { type Outbox, openOutbox } from './outbox.ts';
import { servicesOnBackends } from './services-on-backends.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startWorker(
  config: Config,
  options: { logger: Logger; concurrency: number },
): Promise<RunningWorker> {
  if (!config.redisUrl) {
    throw new Error(
      'serve worker needs REDIS_URL: without it jobs run inside the process that enqueued them',
    );
  }
  // The videos service (the processing store) comes with the others, and they need the key ring.
  const signingKeys = await loadSigningKeys({
    dataDir: config.dataDir,
    signingKeys: config.auth.signingKeys,
  });
  const backends = await openBackends(config, options.logger, { migrate: false });
  const mailer = createMailer(config.mail, options.logger);
  let outbox: Outbox | undefined;
  try {
    // Progress of the videos this worker processes reaches their owners through the gateways' `/ws`,
    // and the tips its consumers announce reach their channels' chat rooms.
    const services = servicesOnBackends(backends, {
      config,
      logger: options.logger,
      signingKeys,
      broadcast: ['video-status', 'notifications', 'chat'],
    });
    const run = { config, logger: options.logger, events: backends.events, media: backends.media };
    await backends.jobs.start(moduleJobHandlers(MODULES, services, { ...run, mailer }), {
      concurrency: options.concurrency,
    });
    // Durable consumers' jobs, and a relay that stands by while a gateway's is active.
    outbox = await openOutbox(
      config,
      backends.database,
      options.logger,
      moduleConsumers(MODULES, services, run),
    );
    await outbox.startConsumers(options.concurrency);
  } catch (error) {
    await outbox?.close();
    await backends.close();
    throw error;
  }
  options.logger.info({ concurrency: options.concurrency }, 'worker running');
  return {
    close: async () => {
      await outbox?.close();
      await backends.close();
      await mailer.close();
    },
  };
}
