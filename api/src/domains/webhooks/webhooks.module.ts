/**
 * The webhooks domain's module: endpoints and their secrets, the consumer that turns every durable
 * event into deliveries, and the `webhook.deliver` job that makes each signed attempt.
 */
import type { DomainModule, ModuleBackends } from '../../modules/domain-module.ts';
import { mount } from '../../modules/domain-module.ts';
import { startPeriodicSweep } from '../../modules/periodic-sweep.ts';
import { systemResolver } from './target-guard.ts';
import { webhookDeliverHandler } from './webhook-deliver-job.ts';
import { WebhooksRepository } from './webhooks.repository.ts';
import { webhookRoutes } from './webhooks.routes.ts';
import { WebhooksService } from './webhooks.service.ts';
import { webhooksConsumers } from './webhooks-consumers.ts';

function webhooksServices({ config, db, jobs, logger, webhookResolver }: ModuleBackends) {
  const webhooks = new WebhooksService({
    webhooks: new WebhooksRepository(db),
    jobs,
    settings: config.webhooks,
    resolve: webhookResolver ?? systemResolver,
    logger: logger.child({ component: 'webhooks' }),
  });
  return { webhooks };
}

const webhooksMounts = () => [mount('/api/v1/webhooks', webhookRoutes())] as const;

interface WebhooksRoutes {
  mounts: ReturnType<typeof webhooksMounts>;
}

export const webhooksModule: DomainModule<
  'webhooks',
  unknown,
  ReturnType<typeof webhooksServices>,
  WebhooksRoutes,
  { 'webhook.deliver': ReturnType<typeof webhookDeliverHandler> }
> = {
  name: 'webhooks',
  services: webhooksServices,
  routes: webhooksMounts,
  consumers: ({ webhooks }) => webhooksConsumers({ webhooks }),
  jobs: ({ webhooks }) => ({ 'webhook.deliver': webhookDeliverHandler(webhooks) }),
  // Every minute (and at start, catching up after a stop), a drain for deliveries whose job was lost.
  timers: ({ webhooks }, { logger }) =>
    startPeriodicSweep(
      () => webhooks.redriveOverdue(),
      logger,
      {
        done: 'webhook deliveries redriven',
        failed: 'redriving overdue webhook deliveries failed',
        count: 'endpoints',
      },
      60_000,
    ),
};
